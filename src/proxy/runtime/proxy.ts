/**
 * A running proxy in one process: its listeners, the current config
 * generation, and the resources generations share (upstream pools, fleets,
 * cache layers, metrics). startProxy() is what main.ts, workers and tests use.
 *
 * Reload: validate → build and start the new generation → bind listeners
 * whose address is new → swap the generation pointer → close listeners that
 * went away → retire the old generation (it releases its fleets when its
 * last in-flight request ends). Listeners whose address is unchanged keep
 * their sockets, so no connection is refused or dropped.
 *
 * Shutdown: stop accepting, let in-flight requests finish (responses carry
 * Connection: close, idle keep-alives are closed), cut what remains after
 * the drain timeout, then close pools, caches and health checks.
 */
import { Registry } from "prom-client";
import { EdgeformError } from "../../errors.js";
import type { ProxyRuntimeConfig } from "../../plan/proxy-config.js";
import { AdminServer, type AdminActions } from "./admin.js";
import { CacheLayers, type PurgeRequest } from "./cache-layers.js";
import { FleetRegistry } from "./fleet-registry.js";
import { validateRuntimeConfig } from "./config.js";
import { UpstreamPools } from "../upstream/pools.js";
import { createLogger, flushLogger, type Logger } from "./log.js";
import { ProxyMetrics } from "./metrics.js";
import { HttpListener, type ProxyHost } from "../http/server.js";
import { RuntimeState } from "./generation.js";
import { TcpListener } from "../tcp/listener.js";
import { certificateExpiryGauge } from "../tls/metrics.js";
import { ChallengeBoard } from "../tls/acme/challenges.js";
import { acmeOrderCounter } from "../tls/acme/metrics.js";

export interface StartOptions {
  logger?: Logger;
  /** Serve the admin listener here (default true; cluster workers leave it to the primary). */
  admin?: boolean;
  /** Bind listeners with SO_REUSEPORT so several workers share each port. */
  reusePort?: boolean;
  /** Where the admin token variable is read; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Longest wait for in-flight requests on shutdown; default min(requestTimeout, 30 s). */
  drainTimeoutMs?: number;
  /** What POST /reload applies; default: the config currently running. */
  reloadSource?: () => Promise<ProxyRuntimeConfig>;
  /** Metrics registry (workers register theirs with the cluster aggregator). */
  registry?: Registry;
}

export interface RunningProxy {
  /** Bound ports: listener name → port, plus "admin" when served here. */
  readonly ports: Record<string, number>;
  readonly metrics: ProxyMetrics;
  reload(config: ProxyRuntimeConfig): Promise<void>;
  purge(selector: PurgeRequest, cache?: string): Promise<number>;
  readiness(): { ready: boolean; detail: Record<string, unknown> };
  close(): Promise<void>;
}

type Listener = HttpListener | TcpListener;

const DEFAULT_DRAIN_MS = 30_000;

export async function startProxy(config: ProxyRuntimeConfig, options: StartOptions = {}): Promise<RunningProxy> {
  const proxy = new Proxy(validateRuntimeConfig(config), options);
  try {
    await proxy.start();
  } catch (err) {
    await proxy.close();
    throw err;
  }
  return proxy;
}

class Proxy implements ProxyHost, RunningProxy {
  state: RuntimeState;
  readonly caches: CacheLayers;
  readonly metrics: ProxyMetrics;
  readonly logger: Logger;
  readonly acmeChallenges = new ChallengeBoard();
  private readonly fleets: FleetRegistry;
  private readonly pools: UpstreamPools;
  private readonly listeners = new Map<string, Listener>();
  private admin: AdminServer | undefined;
  private reloading: Promise<void> = Promise.resolve();
  private closing: Promise<void> | undefined;

  constructor(
    config: ProxyRuntimeConfig,
    private readonly options: StartOptions,
  ) {
    this.logger = options.logger ?? createLogger({ base: { proxy: config.name } });
    this.metrics = new ProxyMetrics(options.registry ?? new Registry());
    certificateExpiryGauge(this.metrics.registry);
    acmeOrderCounter(this.metrics.registry);
    this.fleets = new FleetRegistry(this.metrics, this.logger);
    this.pools = new UpstreamPools(() => this.fleets.liveBackendIds());
    this.caches = new CacheLayers(this.metrics.registry, this.logger);
    this.state = new RuntimeState(config, this.fleets, { pools: this.pools, metrics: this.metrics });
  }

  get ports(): Record<string, number> {
    const ports: Record<string, number> = {};
    for (const [name, l] of this.listeners) ports[name] = l.port;
    if (this.admin) ports["admin"] = this.admin.port;
    return ports;
  }

  async start(): Promise<void> {
    const config = this.state.config;
    this.metrics.configLoaded(JSON.stringify(config));
    await this.caches.apply(config.caches);
    this.state.bindCaches((name) => this.caches.get(name));
    await this.state.start();
    for (const l of config.listeners) {
      const listener = this.createListener(l, config);
      this.listeners.set(l.name, listener);
      await this.bind(listener, l.host, l.port);
    }
    if (this.options.admin !== false) {
      const admin = new AdminServer(config.admin, this.adminActions(), this.logger, this.options.env);
      this.admin = admin;
      await this.bind(admin, config.admin.host, config.admin.port);
    }
  }

  reload(next: ProxyRuntimeConfig): Promise<void> {
    // One reload at a time, in the order asked.
    const run = this.reloading.then(() => this.applyReload(next));
    this.reloading = run.catch(() => {});
    return run;
  }

  private async applyReload(raw: ProxyRuntimeConfig): Promise<void> {
    if (this.closing) throw new EdgeformError("EF_PROXY_CONFIG", "the proxy is shutting down; reload ignored");
    const config = validateRuntimeConfig(raw);
    const old = this.state;
    const state = new RuntimeState(config, this.fleets, { pools: this.pools, metrics: this.metrics });
    const added: Listener[] = [];
    try {
      await state.start();
      // Bind new addresses first: if one fails, nothing has changed yet.
      for (const l of config.listeners) {
        if (keepsSocket(this.listeners.get(l.name), l)) continue;
        const listener = this.createListener(l, config);
        await this.bind(listener, l.host, l.port);
        added.push(listener);
      }
    } catch (err) {
      await Promise.all(added.map((l) => l.close(0)));
      void state.retire();
      throw err;
    }
    let oldDrained!: () => void;
    await this.caches.apply(config.caches, new Promise<void>((r) => (oldDrained = r)));
    state.bindCaches((name) => this.caches.get(name));
    this.state = state;
    const replaced: Listener[] = [];
    for (const [name, current] of this.listeners) {
      const l = config.listeners.find((x) => x.name === name);
      const fresh = added.find((a) => a.name === name);
      if (l && !fresh) {
        if (current instanceof HttpListener && l.protocol === "http") current.update(l, config);
        else if (current instanceof TcpListener && l.protocol === "tcp") current.update(l);
        continue;
      }
      replaced.push(current);
      this.listeners.delete(name);
    }
    for (const l of added) this.listeners.set(l.name, l);
    if (this.admin) {
      if (!this.admin.sameSocket(config.admin)) {
        this.logger.warn({ event: "admin-address-unchanged", admin: config.admin }, "the admin listener keeps its address until restart");
      }
      this.admin.update(config.admin);
    }
    this.metrics.configLoaded(JSON.stringify(config));
    void old.retire().then(oldDrained);
    for (const l of replaced) void l.close(this.drainMs(config));
    this.logger.info({ event: "reloaded", ports: this.ports, routes: config.routes.length, fleets: config.clusters.length }, "config reloaded");
  }

  /** The admin endpoints' view of this process. */
  private adminActions(): AdminActions {
    return {
      metrics: async () => ({ contentType: this.metrics.registry.contentType, body: await this.metrics.registry.metrics() }),
      readiness: async () => this.readiness(),
      reload: async () => this.reload(this.options.reloadSource ? await this.options.reloadSource() : this.state.config),
      purge: (selector, cache) => this.purge(selector, cache),
    };
  }

  readiness(): { ready: boolean; detail: Record<string, unknown> } {
    const fleets: Record<string, number> = {};
    // Ready = config loaded, every listener bound, not draining. A fleet without a usable
    // backend is reported, never a reason to pull the replica: the other routes still work,
    // and load balancers would otherwise replace every replica when one fleet is down.
    const ready = this.closing === undefined && this.listeners.size === this.state.config.listeners.length;
    for (const c of this.state.allFleets()) fleets[c.name] = c.snapshot().usable.length;
    return { ready, detail: { listeners: this.ports, usableBackends: fleets } };
  }

  async purge(selector: PurgeRequest, cache?: string): Promise<number> {
    if (cache !== undefined && !this.caches.has(cache)) {
      throw new EdgeformError("EF_PROXY_CONFIG", `no cache named "${cache}"`);
    }
    return this.caches.purge(selector, cache);
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    const drainMs = this.drainMs(this.state.config);
    this.logger.info({ event: "shutdown", drainMs }, "shutting down: finishing in-flight requests");
    await Promise.all([...this.listeners.values()].map((l) => l.close(drainMs)));
    this.listeners.clear();
    // Connections are closed by now; a request whose bookkeeping never ended must not hold the exit forever.
    await Promise.race([this.state.retire(), new Promise<void>((r) => setTimeout(r, 1000).unref())]);
    await this.pools.close();
    await this.caches.close();
    this.fleets.stopAll();
    if (this.admin) await this.admin.close();
    this.logger.info({ event: "stopped" }, "proxy stopped");
    flushLogger(this.logger);
  }

  private drainMs(config: ProxyRuntimeConfig): number {
    return this.options.drainTimeoutMs ?? Math.min(config.limits.requestTimeoutMs || DEFAULT_DRAIN_MS, DEFAULT_DRAIN_MS);
  }

  /** A listener for `config` (the generation about to run, which may not be current yet). */
  private createListener(l: ProxyRuntimeConfig["listeners"][number], config: ProxyRuntimeConfig): Listener {
    return l.protocol === "http" ? new HttpListener(l, config, this) : new TcpListener(l, this);
  }

  private async bind(target: { listen(reusePort: boolean): Promise<void> } | AdminServer, host: string, port: number): Promise<void> {
    try {
      if (target instanceof AdminServer) await target.listen();
      else await target.listen(this.options.reusePort === true);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new EdgeformError("EF_PROXY_LISTEN", `cannot listen on ${host}:${port}: ${e.code ?? e.message}`, {
        hint: e.code === "EADDRINUSE" ? "another process uses this port; stop it or change the port in the spec" : e.code === "EACCES" ? "ports below 1024 need privileges; use a higher port" : "check the listener's host and port",
      });
    }
  }
}

/** Whether a running listener can serve a reloaded listener config without rebinding. */
function keepsSocket(current: Listener | undefined, next: ProxyRuntimeConfig["listeners"][number]): boolean {
  if (current instanceof HttpListener) return next.protocol === "http" && current.sameSocket(next);
  if (current instanceof TcpListener) return next.protocol === "tcp" && current.sameSocket(next);
  return false;
}
