/**
 * `edgeform up` and `edgeform destroy`: provision or tear down a topology with
 * the real Pulumi engine (Automation API, local state under .edgeform/state
 * by default). `edgeform preview --live` shares this path.
 */
import type { Command } from "commander";
import { resolve } from "node:path";
import { EdgeformError, ExitCode, isEdgeformError } from "../../errors.js";
import { DEV_TARGET } from "../../plan/plan.js";
import { suggest } from "../../spec/suggest.js";
import { loadSpec } from "../../spec/load-spec.js";
import type { Topology } from "../../spec/types.js";
import { formatOption, UsageError } from "../command.js";
import type { Io } from "../io.js";

export interface LiveCommandOptions {
  target?: string;
  format?: string;
  backend?: string;
  stack?: string;
  edgeBaseImage?: string;
  credentialsCheck?: boolean;
  yes?: boolean;
}

/**
 * The target named with --target, or the spec's only docker/aws target. A
 * name that is not one of those is refused with a fix that only offers
 * targets these commands accept (never "dev", which runs with `edgeform dev`).
 */
export function pickTarget(topology: Topology, given: string | undefined): string {
  const targets = Object.entries(topology.targets ?? {}).filter(([, t]) => t.provider === "docker" || t.provider === "aws").map(([n]) => n);
  const choices = targets.length > 0 ? `docker and aws targets in this spec: ${targets.join(", ")}` : "this spec has none: add one under `targets:`";
  if (given === DEV_TARGET) {
    throw new EdgeformError("EF_CLI_USAGE", `target "${DEV_TARGET}" runs with \`edgeform dev\`, not Pulumi`, { hint: choices });
  }
  if (given !== undefined) {
    if (targets.includes(given)) return given;
    const guess = suggest(given, targets);
    throw new EdgeformError("EF_SPEC_UNKNOWN_TARGET", `"${given}" is not a docker or aws target of spec "${topology.name}"`, {
      hint: `${guess ? `did you mean "${guess}"? ` : ""}${choices}`,
    });
  }
  if (targets.length === 1) return targets[0]!;
  throw new UsageError(
    targets.length === 0
      ? `spec "${topology.name}" defines no docker or aws target; add one under \`targets:\` (\`edgeform dev\` needs none)`
      : `spec "${topology.name}" defines several targets (${targets.join(", ")}); choose one with --target <name>`,
  );
}

/** Options every engine-driving command takes. */
/** The argument and options up, destroy and preview share: one spec, one of its docker/aws targets. */
export function specTargetCommand(program: Command, name: string, description: string): Command {
  return program
    .command(name)
    .description(description)
    .argument("<spec>", "topology spec file (YAML or JSON)")
    .option("-t, --target <name>", "docker or aws target from the spec (default: the only one)")
    .option("--format <format>", "output format: text or json", "text");
}

export function addLiveOptions(cmd: Command): Command {
  return cmd
    .option("--backend <url>", "Pulumi state backend (default: $PULUMI_BACKEND_URL, else file://./.edgeform/state)")
    .option("--stack <name>", "stack name (default: <topology>-<target>)")
    .option("--edge-base-image <image>", "BASE_IMAGE for the edge proxy image build (default: node:22-bookworm-slim)")
    .option("--no-credentials-check", "do not look for AWS credentials first (e.g. on EC2/ECS with an instance role)");
}

export async function runLiveCommand(io: Io, action: "up" | "destroy" | "preview", specArg: string, opts: LiveCommandOptions): Promise<number> {
  const format = formatOption(opts.format, ["text", "json"] as const, "text");
  if (format === "text") return runLive(io, action, specArg, opts, format);
  try {
    return await runLive(io, action, specArg, opts, format);
  } catch (e) {
    // Scripts asked for JSON get it on failure too; the entry point still explains on stderr and sets the exit code.
    io.out(JSON.stringify({ action, ok: false, error: jsonError(e) }, null, 2));
    throw e;
  }
}

function jsonError(e: unknown): { code: string; message: string; hint?: string } {
  if (isEdgeformError(e)) return { code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) };
  if (e instanceof UsageError) return { code: "EF_CLI_USAGE", message: e.message };
  return { code: "EF_INTERNAL", message: e instanceof Error ? e.message : String(e) };
}

async function runLive(io: Io, action: "up" | "destroy" | "preview", specArg: string, opts: LiveCommandOptions, format: "text" | "json"): Promise<number> {
  // Relative to the directory the CLI was started in (io.cwd), as every other command reads its spec.
  const topology = loadSpec(resolve(io.cwd, specArg));
  const target = pickTarget(topology, opts.target);
  // Loaded only here: the rest of the CLI (and the proxy image) never loads the Pulumi SDK.
  const { runLive: runEngine } = await import("../../pulumi/live.js");
  const result = await runEngine({
    action,
    specPath: specArg,
    target,
    cwd: io.cwd,
    env: io.env,
    ...(opts.backend ? { backend: opts.backend } : {}),
    ...(opts.stack ? { stack: opts.stack } : {}),
    ...(opts.edgeBaseImage ? { edgeBaseImage: opts.edgeBaseImage } : {}),
    skipCredentialsCheck: opts.credentialsCheck === false,
    progress: (line) => io.err(line),
  });
  if (format === "json") {
    io.out(JSON.stringify({ action, ok: true, topology: topology.name, target, ...result }, null, 2));
  } else {
    const changes = Object.entries(result.changes).map(([k, v]) => `${k} ${v}`).join(", ") || "no changes";
    io.out(`${action} ${result.stack} (${result.backend}): ${changes}`);
    for (const [k, v] of Object.entries(result.outputs)) io.out(`  ${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`);
  }
  return ExitCode.ok;
}

export function register(program: Command, io: Io, setExit: (code: number) => void): void {
  addLiveOptions(specTargetCommand(program, "up", "Provision a topology to Docker or AWS with the Pulumi engine (needs the pulumi CLI)"))
    .addHelpText(
      "after",
      `
Secrets the topology references are read from EDGEFORM_SECRET_<NAME> (or the
stack's config); a local state backend needs PULUMI_CONFIG_PASSPHRASE.

Examples:
  edgeform up examples/quickstart.yaml --target local
  EDGEFORM_SECRET_REDISAUTHTOKEN=... edgeform up shop.yaml --target aws --backend s3://my-state
  edgeform preview shop.yaml --target aws          see what it would create first (offline)

Exit codes: 0 ok, 1 invalid spec or failed update, 2 pulumi CLI / Docker / AWS credentials missing.`,
    )
    .action(async (spec: string, opts: LiveCommandOptions) => {
      setExit(await runLiveCommand(io, "up", spec, opts));
    });

  addLiveOptions(
    specTargetCommand(program, "destroy", "Delete every resource of a topology's stack (needs the pulumi CLI)").option("-y, --yes", "really delete (required)"),
  )
    .addHelpText(
      "after",
      `
Examples:
  edgeform destroy examples/quickstart.yaml --target local --yes`,
    )
    .action(async (spec: string, opts: LiveCommandOptions) => {
      if (!opts.yes) throw new UsageError("destroy deletes every resource of the stack; run it again with --yes");
      setExit(await runLiveCommand(io, "destroy", spec, opts));
    });
}
