/**
 * `edgeform up | destroy | preview --live`: drive the real Pulumi engine
 * through the Automation API with the stacks/ program inline. State lives in
 * a local file backend (.edgeform/state) unless PULUMI_BACKEND_URL or
 * --backend says otherwise; stack config files live in .edgeform/workspace.
 * Progress streams to the caller line by line.
 */
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { secretsNeeded } from "../../components/secrets.js";
import { CONFIG_NAMESPACE, edgeformProgram } from "../../stacks/program.js";
import { EdgeformError } from "../errors.js";
import { explainDockerFailure } from "./docker-failures.js";
import { planDeployment, secretEnvName } from "../plan/plan.js";
import { loadSpec } from "../spec/load-spec.js";
import { engineFailure } from "./engine-error.js";
import { requireAwsCredentials, requireDocker, requirePassphrase, requirePulumiCli } from "./preflight.js";

export type LiveAction = "up" | "destroy" | "preview";

export interface LiveOptions {
  action: LiveAction;
  specPath: string;
  target: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** State backend URL; default PULUMI_BACKEND_URL, else file://<cwd>/.edgeform/state. */
  backend?: string;
  /** Stack name; default <topology>-<target>. */
  stack?: string;
  edgeBaseImage?: string;
  /** Skip the AWS credential lookup (instance roles cannot be detected offline). */
  skipCredentialsCheck?: boolean;
  /** One line of engine progress. */
  progress: (line: string) => void;
}

export interface LiveResult {
  stack: string;
  backend: string;
  /** Stack outputs after `up` (secrets as "[secret]"). */
  outputs: Record<string, unknown>;
  /** Resource operations by kind, as the engine reports them. */
  changes: Record<string, number>;
}

export const LIVE_PROJECT = "edgeform";

export function defaultBackend(cwd: string, env: NodeJS.ProcessEnv): string {
  return env["PULUMI_BACKEND_URL"] ?? `file://${resolve(cwd, ".edgeform", "state")}`;
}

export async function runLive(options: LiveOptions): Promise<LiveResult> {
  const specPath = resolve(options.cwd, options.specPath);
  const topology = loadSpec(specPath);
  const plan = planDeployment(topology, options.target);
  if (plan.target.provider === "dev") {
    throw new EdgeformError("EF_CLI_USAGE", `target "${options.target}" runs with \`edgeform dev\`, not Pulumi`, { hint: "pick a docker or aws target from the spec's `targets`" });
  }
  requirePulumiCli(options.env);
  if (plan.target.provider === "docker") await requireDocker(options.env);
  else {
    if (!options.skipCredentialsCheck) requireAwsCredentials(options.env);
    // `up` builds the edge image here and pushes it to ECR; say so now, not after half a deployment.
    if (options.action !== "destroy" && plan.edge.image === undefined) {
      await requireDocker(options.env, 3000, `target "${options.target}" builds the edge proxy image locally and pushes it to ECR`);
    }
  }
  const backend = options.backend ?? defaultBackend(options.cwd, options.env);
  requirePassphrase(backend, options.env);
  if (backend.startsWith("file://")) mkdirSync(backend.slice("file://".length), { recursive: true });

  const automation = await import("@pulumi/pulumi/automation/index.js");
  const stackName = options.stack ?? `${topology.name}-${options.target}`;
  try {
    return await drive(automation, options, { topology, plan, specPath, backend, stackName });
  } catch (err) {
    throw engineFailure(err, automation.CommandError, options.action, stackName);
  }
}

type Automation = typeof import("@pulumi/pulumi/automation/index.js");

interface Drive {
  topology: ReturnType<typeof loadSpec>;
  plan: ReturnType<typeof planDeployment>;
  specPath: string;
  backend: string;
  stackName: string;
}

/** Select (or create) the stack, set its config and secrets, and run the action. */
async function drive({ LocalWorkspace }: Automation, options: LiveOptions, { topology, plan, specPath, backend, stackName }: Drive): Promise<LiveResult> {
  // A lasting work directory keeps each stack's config file (and the secrets set in it) between runs.
  const workDir = resolve(options.cwd, ".edgeform", "workspace");
  mkdirSync(workDir, { recursive: true });
  const stack = await LocalWorkspace.createOrSelectStack(
    {
      projectName: LIVE_PROJECT,
      stackName,
      program: async () => edgeformProgram({ topology, target: options.target, specPath, ...(options.edgeBaseImage ? { edgeBaseImage: options.edgeBaseImage } : {}) }),
    },
    {
      workDir,
      projectSettings: { name: LIVE_PROJECT, runtime: "nodejs", backend: { url: backend } },
      envVars: pickEnv(options.env),
    },
  );
  await stack.setAllConfig({
    [`${CONFIG_NAMESPACE}:spec`]: { value: specPath },
    [`${CONFIG_NAMESPACE}:target`]: { value: options.target },
  });

  if (options.action !== "destroy") {
    // Secrets: EDGEFORM_SECRET_<NAME> from the environment, else what the stack already has.
    const have = await stack.getAllConfig();
    const missing: string[] = [];
    for (const name of secretsNeeded(plan)) {
      const fromEnv = options.env[secretEnvName(name)];
      if (fromEnv !== undefined) await stack.setConfig(name, { value: fromEnv, secret: true });
      else if (have[`${LIVE_PROJECT}:${name}`] === undefined) missing.push(name);
    }
    if (missing.length > 0) {
      throw new EdgeformError("EF_PULUMI_SECRET_MISSING", `the topology needs secret${missing.length > 1 ? "s" : ""} ${missing.map((m) => `"${m}"`).join(", ")}, not set for stack ${stackName}`, {
        hint: missing.map((m) => `export ${secretEnvName(m)}=<value>`).join("; "),
      });
    }
  }

  options.progress(`pulumi ${options.action}: stack ${stackName}, state in ${backend}`);
  const lines = lineSplitter(options.progress);
  const common = { onOutput: lines.push, color: "never" as const };
  let outputs: Record<string, unknown> = {};
  let changes: Record<string, number> = {};
  try {
    if (options.action === "up") {
      const result = await stack.up(common);
      outputs = Object.fromEntries(Object.entries(result.outputs).map(([k, v]) => [k, v.secret ? "[secret]" : v.value]));
      changes = { ...(result.summary.resourceChanges ?? {}) } as Record<string, number>;
    } else if (options.action === "destroy") {
      const result = await stack.destroy(common);
      changes = { ...(result.summary.resourceChanges ?? {}) } as Record<string, number>;
    } else {
      const result = await stack.preview(common);
      changes = { ...result.changeSummary } as Record<string, number>;
    }
  } catch (err) {
    // A docker target's provider errors get the resource and the fix in one sentence.
    throw (plan.target.provider === "docker" ? explainDockerFailure(String((err as Error).message ?? err)) : undefined) ?? err;
  } finally {
    lines.flush();
  }
  return { stack: stackName, backend, outputs, changes };
}

/** The engine runs with the caller's environment (PATH, credentials, passphrase), not only this process's. */
function pickEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

/** Engine output arrives in chunks; pass it on as whole lines. */
function lineSplitter(emit: (line: string) => void) {
  let buffer = "";
  return {
    push: (chunk: string) => {
      buffer += chunk;
      let at: number;
      while ((at = buffer.indexOf("\n")) >= 0) {
        emit(buffer.slice(0, at));
        buffer = buffer.slice(at + 1);
      }
    },
    flush: () => {
      if (buffer) emit(buffer);
      buffer = "";
    },
  };
}
