/**
 * Several worker processes sharing the listening ports, so a multi-core host
 * is used (Node runs JavaScript on one core per process).
 *
 * How the port is shared — the choice:
 *   - SO_REUSEPORT where the kernel and Node have it (Linux, Node >= 22.12):
 *     every worker binds its own socket to the same address and the kernel
 *     spreads new connections across their accept queues. No process sits
 *     between client and worker, and one slow worker does not stall accepts
 *     for the others.
 *   - otherwise node:cluster's default: the primary accepts and hands each
 *     connection to a worker round-robin.
 * Either way the workers are node:cluster workers, which gives process
 * supervision (a crashed worker is replaced) and the IPC prom-client's
 * AggregatorRegistry uses to merge their metrics.
 *
 * The primary serves the admin listener: /metrics aggregates all workers,
 * /readyz is ready when every worker is, /reload and /purge fan out.
 */
import cluster, { type Worker } from "node:cluster";
import net from "node:net";
import { fileURLToPath } from "node:url";
import { AggregatorRegistry, Registry } from "prom-client";
import type { ProxyRuntimeConfig } from "../../plan/proxy-config.js";
import { AdminServer, type AdminActions } from "./admin.js";
import type { PurgeRequest } from "./cache-layers.js";
import { validateRuntimeConfig } from "./config.js";
import { createLogger, flushLogger, type Logger } from "./log.js";
import { startProxy, type RunningProxy } from "./proxy.js";
import { ticketSeed, TICKET_SEED_ENV } from "../tls/ticket-keys.js";

/** Whether listeners can bind with SO_REUSEPORT here. */
export function reusePortSupported(): boolean {
  const [major, minor] = process.versions.node.split(".").map(Number) as [number, number];
  const nodeHas = major > 22 || (major === 22 && minor >= 12);
  return nodeHas && process.platform === "linux";
}

type ToWorker =
  | { type: "start"; config: ProxyRuntimeConfig; reusePort: boolean }
  | { type: "reload"; id: number; config: ProxyRuntimeConfig }
  | { type: "purge"; id: number; selector: PurgeRequest; cache?: string }
  | { type: "readiness"; id: number }
  | { type: "shutdown" };

type FromWorker =
  | { type: "ready"; ports: Record<string, number> }
  | { type: "failed"; error: string }
  | { type: "reply"; id: number; ok: boolean; value?: unknown; error?: string };

export interface PrimaryOptions {
  workers: number;
  /** Re-reads the config file (SIGHUP, POST /reload). */
  load: () => Promise<ProxyRuntimeConfig>;
  logger?: Logger;
}

export interface RunningPrimary {
  readonly ports: Record<string, number>;
  reload(): Promise<void>;
  close(): Promise<void>;
}

/** Starts `workers` proxy workers and the admin listener; resolves when all serve. */
export async function runPrimary(initial: ProxyRuntimeConfig, options: PrimaryOptions): Promise<RunningPrimary> {
  const logger = options.logger ?? createLogger({ base: { proxy: initial.name, role: "primary" } });
  const reusePort = reusePortSupported();
  let config = await withFixedPorts(validateRuntimeConfig(initial));
  const aggregator = new AggregatorRegistry();
  const workers = new Set<Worker>();
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let closing = false;
  let ports: Record<string, number> = {};
  // Workers run the proxy entry point whatever started the primary (the CLI, tests).
  cluster.setupPrimary({ exec: fileURLToPath(new URL("../main.js", import.meta.url)), args: [] });

  const ask = (worker: Worker, message: ToWorker & { id: number }): Promise<unknown> =>
    new Promise((resolve, reject) => {
      pending.set(message.id, { resolve, reject });
      worker.send(message);
    });
  const askAll = (make: (id: number) => ToWorker & { id: number }): Promise<unknown[]> => Promise.all([...workers].map((w) => ask(w, make(nextId++))));

  const fork = (): Promise<void> =>
    new Promise((resolve, reject) => {
      // One ticket seed for every worker, so a TLS session resumes on whichever worker accepts it.
      const worker = cluster.fork({ EDGEFORM_WORKER: "1", [TICKET_SEED_ENV]: ticketSeed().toString("hex") });
      workers.add(worker);
      worker.on("message", (m: FromWorker) => {
        if (m.type === "ready") {
          ports = m.ports;
          resolve();
        } else if (m.type === "failed") {
          reject(new Error(m.error));
        } else if (m.type === "reply") {
          const p = pending.get(m.id);
          pending.delete(m.id);
          if (m.ok) p?.resolve(m.value);
          else p?.reject(new Error(m.error));
        }
      });
      worker.once("exit", (code, signal) => {
        workers.delete(worker);
        if (closing) return;
        logger.error({ event: "worker-exit", pid: worker.process.pid, code, signal }, "a worker exited; starting a replacement");
        reject(new Error(`worker exited with code ${code}`));
        setTimeout(() => void fork().catch((e: Error) => logger.error({ err: e.message }, "replacement worker failed to start")), 500).unref();
      });
      worker.send({ type: "start", config, reusePort } satisfies ToWorker);
    });

  await Promise.all(Array.from({ length: options.workers }, fork));

  const reload = async (): Promise<void> => {
    const next = await withFixedPorts(validateRuntimeConfig(await options.load()), config);
    await askAll((id) => ({ type: "reload", id, config: next }));
    config = next;
    logger.info({ event: "reloaded", workers: workers.size }, "config reloaded in every worker");
  };
  const actions: AdminActions = {
    metrics: async () => ({ contentType: aggregator.contentType, body: await aggregator.clusterMetrics() }),
    readiness: async () => {
      const answers = (await askAll((id) => ({ type: "readiness", id }))) as Array<{ ready: boolean; detail: Record<string, unknown> }>;
      const ready = !closing && answers.length === options.workers && answers.every((a) => a.ready);
      return { ready, detail: { workers: answers.length, usableBackends: answers[0]?.detail["usableBackends"] ?? {} } };
    },
    reload,
    purge: async (selector, cache) => ((await askAll((id) => ({ type: "purge", id, selector, ...(cache ? { cache } : {}) }))) as number[]).reduce((a, b) => a + b, 0),
  };
  const admin = new AdminServer(config.admin, actions, logger);
  await admin.listen();
  ports = { ...ports, admin: admin.port };

  return {
    get ports() {
      return ports;
    },
    reload,
    async close() {
      closing = true;
      const exits = [...workers].map((w) => new Promise<void>((r) => (w.isDead() ? r() : w.once("exit", () => r()))));
      for (const w of workers) w.send({ type: "shutdown" } satisfies ToWorker);
      await Promise.all(exits);
      await admin.close();
      flushLogger(logger);
    },
  };
}

/** Runs inside a cluster worker: waits for the primary's start message. */
export function runWorker(): void {
  let proxy: RunningProxy | undefined;
  const registry = new Registry();
  AggregatorRegistry.setRegistries([registry]);
  // prom-client installs the worker side of its metrics IPC when an AggregatorRegistry is constructed.
  new AggregatorRegistry();
  const logger = createLogger({ base: { role: "worker" } });
  const send = (m: FromWorker) => process.send?.(m);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void (proxy?.close() ?? Promise.resolve()).finally(() => {
      flushLogger(logger);
      process.exit(0);
    });
  };
  process.on("message", (m: ToWorker) => {
    switch (m.type) {
      case "start":
        startProxy(m.config, { admin: false, reusePort: m.reusePort, registry, logger })
          .then((p) => {
            proxy = p;
            send({ type: "ready", ports: p.ports });
          })
          .catch((e: Error) => {
            send({ type: "failed", error: e.toString() });
            process.exit(1);
          });
        return;
      case "reload":
        reply(m.id, proxy ? proxy.reload(m.config) : Promise.reject(new Error("not started")));
        return;
      case "purge":
        reply(m.id, proxy ? proxy.purge(m.selector, m.cache) : Promise.resolve(0));
        return;
      case "readiness":
        reply(m.id, Promise.resolve(proxy ? proxy.readiness() : { ready: false, detail: {} }));
        return;
      case "shutdown":
        stop();
        return;
    }
  });
  // Ctrl+C reaches every process of the group: shut down gracefully, like the primary asks.
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  // A primary that died cannot supervise or reload us: stop rather than linger as an orphan.
  process.on("disconnect", stop);
  function reply(id: number, work: Promise<unknown>): void {
    work.then(
      (value) => send({ type: "reply", id, ok: true, value }),
      (e: Error) => send({ type: "reply", id, ok: false, error: e.toString() }),
    );
  }
}

/**
 * Port 0 means "any free port", but every worker must bind the same one:
 * the primary picks them (or keeps the ports of the running config when the
 * listener is unchanged) before workers start.
 */
async function withFixedPorts(config: ProxyRuntimeConfig, running?: ProxyRuntimeConfig): Promise<ProxyRuntimeConfig> {
  const listeners = await Promise.all(
    config.listeners.map(async (l) => {
      if (l.port !== 0) return l;
      const same = running?.listeners.find((r) => r.name === l.name && r.host === l.host);
      return { ...l, port: same?.port ?? (await freePort(l.host)) };
    }),
  );
  return { ...config, listeners };
}

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen({ host, port: 0 }, () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}
