/**
 * Packs this repository the way `npm publish` would and installs the tarball
 * into a fresh project, so tests see exactly what a user of the package gets
 * (the `files` list, `exports`, `typesVersions`), not the working tree.
 */
import { execFile } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The repository root (dist/test/support → ../../..). */
export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));

/**
 * npm with this test's Node first on PATH: npm's `#!/usr/bin/env node` then
 * runs on Node 22 even when the machine's own node is older.
 */
function npmEnv(): NodeJS.ProcessEnv {
  return { ...process.env, PATH: `${dirname(process.execPath)}:${process.env["PATH"] ?? ""}`, npm_config_update_notifier: "false" };
}

export interface NpmResult {
  stdout: string;
  stderr: string;
}

export async function npm(args: string[], cwd: string, timeoutMs = 300_000): Promise<NpmResult> {
  try {
    return await run("npm", args, { cwd, env: npmEnv(), timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
  } catch (e) {
    const err = e as Error & { stdout?: string; stderr?: string };
    throw new Error(`npm ${args.join(" ")} failed in ${cwd}: ${err.message}\n${err.stderr ?? ""}`);
  }
}

/**
 * `npm pack` of the repository into `destination`; returns the tarball's path.
 * --ignore-scripts: `prepare` would rebuild dist/ while other tests read it;
 * the test run has built it already.
 */
export async function packRepository(destination: string): Promise<string> {
  const { stdout } = await npm(["pack", "--ignore-scripts", "--json", "--pack-destination", destination], repoRoot, 120_000);
  const [packed] = JSON.parse(stdout) as Array<{ filename: string }>;
  if (!packed) throw new Error(`npm pack printed no tarball: ${stdout}`);
  return join(destination, packed.filename);
}
