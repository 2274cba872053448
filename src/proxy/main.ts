/**
 * The proxy process: `node dist/src/proxy/main.js --config <file.json> [--workers N]`.
 *
 * Prints one JSON line on stdout when every listener is bound
 * (`"event":"ready"` with the bound ports), re-reads the file on SIGHUP, and
 * shuts down gracefully on SIGTERM/SIGINT (a second signal exits at once).
 * Exit codes: 0 after a clean shutdown, 1 for a bad config or a port that
 * cannot be bound, 2 for bad arguments.
 */
import cluster from "node:cluster";
import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";
import { isEdgeformError } from "../errors.js";
import type { ProxyRuntimeConfig } from "../plan/proxy-config.js";
import { readRuntimeConfig } from "./runtime/config.js";
import { createLogger, flushLogger, type Logger } from "./runtime/log.js";
import { startProxy } from "./runtime/proxy.js";
import { runPrimary, runWorker } from "./runtime/workers.js";

export { startProxy, type RunningProxy, type StartOptions } from "./runtime/proxy.js";

const USAGE = "usage: node dist/src/proxy/main.js --config <proxy-config.json> [--workers N]";

export interface RunOptions {
  config: ProxyRuntimeConfig;
  /** Produces the config to apply on SIGHUP / POST /reload (re-reads its source). */
  load: () => Promise<ProxyRuntimeConfig>;
  /** Where the config came from, for the ready line. */
  source: string;
  /** Overrides config.workers; default one per CPU. */
  workers?: number;
  logger?: Logger;
  /** Called once everything serves (the ready line is already written). */
  onReady?: (ports: Record<string, number>) => void;
}

/**
 * Runs the proxy in the foreground until SIGTERM/SIGINT: one process, or a
 * primary with workers. Resolves when it has shut down.
 */
export async function runProxyProcess(options: RunOptions): Promise<void> {
  const { config, load } = options;
  const workers = options.workers ?? config.workers ?? availableParallelism();
  const logger = options.logger ?? createLogger({ base: { proxy: config.name } });
  const running =
    workers <= 1
      ? await startProxy(config, { logger, reloadSource: load })
      : await runPrimary(config, { workers, load, logger });
  logger.info({ event: "ready", ports: running.ports, workers: Math.max(1, workers), config: options.source }, "edgeform proxy ready");
  flushLogger(logger);
  options.onReady?.(running.ports);

  const reload = async () => {
    try {
      if ("purge" in running) await running.reload(await load());
      else await running.reload();
      flushLogger(logger);
    } catch (err) {
      logger.error({ event: "reload-failed", err: describe(err) }, "reload failed; the previous config stays in effect");
      flushLogger(logger);
    }
  };
  process.on("SIGHUP", () => void reload());
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) {
        logger.warn({ event: "forced-exit", signal }, "second signal: exiting now");
        flushLogger(logger);
        process.exit(1);
      }
      stopping = true;
      logger.info({ event: "signal", signal }, "shutting down gracefully");
      void running.close().finally(resolve);
    };
    process.on("SIGTERM", () => stop("SIGTERM"));
    process.on("SIGINT", () => stop("SIGINT"));
  });
}

function describe(err: unknown): string {
  return isEdgeformError(err) ? err.toString() : err instanceof Error ? err.message : String(err);
}

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { config: { type: "string", short: "c" }, workers: { type: "string", short: "w" }, help: { type: "boolean", short: "h" } } });
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (parsed.values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const configFile = parsed.values.config;
  if (configFile === undefined) {
    process.stderr.write(`--config is required\n${USAGE}\n`);
    return 2;
  }
  let workers: number | undefined;
  if (parsed.values.workers !== undefined) {
    workers = Number(parsed.values.workers);
    if (!Number.isInteger(workers) || workers < 1) {
      process.stderr.write(`--workers must be a whole number >= 1, got "${parsed.values.workers}"\n`);
      return 2;
    }
  }
  try {
    const load = () => readRuntimeConfig(configFile);
    await runProxyProcess({ config: await load(), load, source: configFile, ...(workers === undefined ? {} : { workers }) });
    return 0;
  } catch (err) {
    process.stderr.write(`error ${describe(err)}\n`);
    return 1;
  }
}

if (cluster.isWorker && process.env["EDGEFORM_WORKER"] === "1") {
  runWorker();
} else if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await main(process.argv.slice(2));
  // Pools, timers and sockets are closed; exit even if a library left a handle behind.
  setTimeout(() => process.exit(), 200).unref();
}
