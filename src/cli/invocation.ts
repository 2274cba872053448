/**
 * How the user started edgeform, so every command we suggest is one that
 * works where they are: `edgeform …` when it is on their PATH, `npx edgeform …`
 * inside a project that has it (a clone, or a project that installed it), and
 * `npm run dev -- --port <n>` to add options to the npm script they ran.
 * A bare `npx edgeform` outside such a project would fetch a package of that
 * name from the public registry, so it is only suggested where npm ran us.
 */
import { accessSync, constants, realpathSync } from "node:fs";
import { delimiter, join, relative } from "node:path";
import type { Io } from "./io.js";

export interface Invocation {
  /** An edgeform command line to suggest: `cli("validate x.yaml")` → "npx edgeform validate x.yaml". */
  cli(args: string): string;
  /** Options added to the command being run: "--port <n>", or "npm run dev -- --port <n>" inside `npm run dev`. */
  withOptions(options: string): string;
}

export interface InvocationContext {
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** The script node runs (process.argv[1]): bin/edgeform.js, maybe through a link on PATH. */
  script?: string | undefined;
}

export function detectInvocation({ env, cwd, script }: InvocationContext): Invocation {
  const command = env["npm_command"];
  const npmScript = command === "run" || command === "run-script" ? env["npm_lifecycle_event"] : undefined;
  const prefix = command === "run" || command === "run-script" || command === "exec" ? "npx edgeform" : plainPrefix(env, cwd, script);
  return {
    cli: (args) => `${prefix} ${args}`.trimEnd(),
    withOptions: (options) => (npmScript ? `npm run ${npmScript} -- ${options}` : options),
  };
}

/** "edgeform" when that name on PATH is this very CLI, else how to run this file with node. */
function plainPrefix(env: NodeJS.ProcessEnv, cwd: string, script: string | undefined): string {
  if (script === undefined) return "edgeform";
  const self = realPath(script);
  for (const dir of (env["PATH"] ?? "").split(delimiter)) {
    if (dir === "") continue;
    const candidate = join(dir, "edgeform");
    if (isExecutable(candidate) && realPath(candidate) === self) return "edgeform";
  }
  const rel = relative(cwd, script);
  return `node ${rel.startsWith("..") || rel === "" ? script : rel}`;
}

function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function invocationOf(io: Pick<Io, "env" | "cwd" | "script">): Invocation {
  return detectInvocation({ env: io.env, cwd: io.cwd, script: io.script });
}

/**
 * Messages, fixes and help examples are written as `edgeform …`; this shows
 * them as the user can run them: a quoted "`edgeform " and an example line
 * that starts with "edgeform " get the user's own prefix.
 */
export function localizeCommands(text: string, invocation: Invocation): string {
  const prefix = invocation.cli("");
  if (prefix === "edgeform") return text;
  return text.replace(/`edgeform /g, `\`${prefix} `).replace(/^(\s*)edgeform (?=[a-z])/gm, `$1${prefix} `);
}
