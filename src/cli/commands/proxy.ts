/**
 * `edgeform proxy <spec>`: run the edge tier of a spec in the foreground on
 * this machine. The spec is validated and planned for a target (default
 * "dev"); fleets with `endpoints` are used as they are. SIGHUP re-reads the
 * spec and swaps the new plan in without dropping connections; SIGTERM or
 * Ctrl+C shuts down gracefully.
 */
import type { Command } from "commander";
import { writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { EdgeformError, ExitCode } from "../../errors.js";
import { DEV_TARGET, planDeployment } from "../../plan/index.js";
import type { ProxyRuntimeConfig } from "../../plan/proxy-config.js";
import type { Topology } from "../../spec/types.js";
import { runProxyProcess } from "../../proxy/main.js";
import { validateRuntimeConfig } from "../../proxy/runtime/config.js";
import { UsageError } from "../command.js";
import { paint, type Io } from "../io.js";
import { readValidSpec } from "../spec-input.js";

interface ProxyOptions {
  target: string;
  workers?: string;
  configOut?: string;
  dryRun?: boolean;
}

export function register(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command("proxy")
    .description("Run the edge proxy of a spec in the foreground (fleets with endpoints are used as they are).")
    .argument("<spec>", "topology spec (YAML or JSON)")
    .option("-t, --target <name>", "target to plan for", DEV_TARGET)
    .option("-w, --workers <n>", "worker processes sharing the ports (default: edge.workers, else one per CPU)")
    .option("--config-out <file>", "also write the proxy runtime config (JSON) to this file")
    .option("--dry-run", "validate and plan, print what would run, and exit")
    .addHelpText(
      "after",
      `
The proxy logs JSON lines on stdout (one "ready" line with the bound ports,
then access logs); notes for you go to stderr. Send SIGHUP to re-read the
spec, SIGTERM or Ctrl+C to stop after in-flight requests finish.

Admin endpoints (edge.admin.port, default 9901): GET /metrics, /healthz,
/readyz; POST /reload and /purge need "Authorization: Bearer <token>" where
the token is the value of the secret named by edge.admin.token, read from
EDGEFORM_SECRET_<NAME> in the environment.

Examples:
  edgeform proxy topology.yaml
  edgeform proxy topology.yaml --workers 2
  edgeform proxy topology.yaml --dry-run --config-out proxy.json   # write the runtime config only
  kill -HUP <pid>                                                   # reload after editing the spec

Exit codes: 0 stopped cleanly, 1 invalid spec or a port that cannot be bound, 2 usage error, 3 internal error.`,
    )
    .action(async (spec: string, opts: ProxyOptions) => {
      const workers = parseWorkers(opts.workers);
      const input = await readValidSpec(spec, io);
      if (!input.ok) {
        setExit(input.exit);
        return;
      }
      const config = planFor(input.topology, opts.target, workers, dirname(resolve(spec)));
      explain(io, input.topology, config);
      if (opts.configOut !== undefined) {
        await writeFile(opts.configOut, `${JSON.stringify(config, null, 2)}\n`);
        io.err(`wrote the proxy runtime config to ${opts.configOut}`);
      }
      if (opts.dryRun) {
        setExit(ExitCode.ok);
        return;
      }
      const load = async (): Promise<ProxyRuntimeConfig> => {
        const again = await readValidSpec(spec, io);
        if (!again.ok) throw new EdgeformError("EF_PROXY_CONFIG", `${spec} is no longer valid; keeping the running config`, { hint: `run \`edgeform validate ${spec}\`` });
        return planFor(again.topology, opts.target, workers, dirname(resolve(spec)));
      };
      await runProxyProcess({ config, load, source: spec, ...(workers === undefined ? {} : { workers }) });
      setExit(ExitCode.ok);
    });
}

function parseWorkers(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new UsageError(`--workers must be a whole number from 1 to 256, got "${text}"`);
  return n;
}

function planFor(topology: Topology, target: string, workers: number | undefined, specDir: string): ProxyRuntimeConfig {
  const config = planDeployment(topology, target, { specDir }).proxyConfig;
  if (workers !== undefined) config.workers = workers;
  return validateRuntimeConfig(config, `the plan of "${topology.name}"`);
}

/** Notes on stderr about what will (and will not) work, before the proxy starts. */
function explain(io: Io, topology: Topology, config: ProxyRuntimeConfig): void {
  for (const c of config.clusters) {
    const endpoints = c.discovery.type === "static" ? c.discovery.endpoints.length : c.discovery.type === "dns" ? c.discovery.hosts.length : 1;
    if (endpoints === 0) {
      io.err(
        `${paint(io, "yellow", "note:")} fleet "${c.name}" has no endpoints here (it is provisioned from an image), so its routes answer 503; ` +
          "give it `endpoints:` to proxy to running servers, or use `edgeform dev` to start its replicas too",
      );
    }
  }
  const tokenEnv = config.admin.tokenEnv;
  if (tokenEnv === undefined) {
    io.err(`${paint(io, "dim", "admin:")} POST /reload and /purge are disabled (set edge.admin.token to a secret to enable them)`);
  } else if (!io.env[tokenEnv]) {
    io.err(`${paint(io, "dim", "admin:")} POST /reload and /purge stay disabled until ${tokenEnv} is set in the environment`);
  }
  const listeners = config.listeners.map((l) => `${l.name} ${l.protocol}://${l.host}:${l.port}`).join(", ");
  io.err(`${paint(io, "cyan", topology.name)}: ${listeners}; admin http://${config.admin.host}:${config.admin.port}`);
}
