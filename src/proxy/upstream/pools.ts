/**
 * Upstream connection pools: one per backend address and connection
 * settings, kept across config reloads so keep-alive connections survive a
 * SIGHUP. Pools of backends no fleet knows any more are closed by a
 * periodic sweep once idle, so the request path does no bookkeeping for it.
 *
 * The client is H1Pool (http1/client/: Node's llhttp, no per-request timers),
 * the faster of the two in bench/proxy; undici's Pool is the fallback when
 * Node's parser binding is unavailable, or on request with
 * EDGEFORM_UPSTREAM_CLIENT=undici (handy to compare the two).
 */
import type { Dispatcher } from "undici";
import { Pool } from "undici";
import type { Backend } from "./contracts.js";
import { fastPath } from "../http1/llhttp.js";
import { H1Pool } from "../http1/client/pool.js";
import type { UpstreamRequestOptions } from "../http1/client/request.js";
import type { UpstreamTls } from "../tls/upstream-tls.js";

export interface PoolSettings {
  connectMs: number;
  /** Keep-alive idle time of pooled connections. */
  idleMs: number;
  /** Set when the fleet is reached over TLS. */
  tls?: UpstreamTls | undefined;
}

/** What the forwarder needs from a pool, whichever client implements it. */
export interface UpstreamDispatcher {
  dispatch(options: UpstreamRequestOptions, handler: Dispatcher.DispatchHandler): boolean;
  readonly closed: boolean;
  readonly destroyed: boolean;
  readonly stats: { running: number; pending: number };
  close(): Promise<void>;
  destroy(): Promise<void>;
}

export type UpstreamClient = "h1" | "undici";

/** Per-backend connection cap: bounds sockets a burst can open against one backend. */
const MAX_CONNECTIONS_PER_BACKEND = 1024;
/** Largest response head accepted from a backend. */
const MAX_UPSTREAM_HEADER_BYTES = 64 * 1024;
const SWEEP_EVERY_MS = 30_000;

export function defaultUpstreamClient(env: NodeJS.ProcessEnv = process.env): UpstreamClient {
  return env["EDGEFORM_UPSTREAM_CLIENT"] === "undici" || !fastPath.usable ? "undici" : "h1";
}

interface Entry {
  pool: UpstreamDispatcher;
  backendId: string;
}

export class UpstreamPools {
  private readonly pools = new Map<string, Entry>();
  private readonly sweeper: NodeJS.Timeout;
  private closed = false;

  /** `liveBackends` reports the ids any current fleet still has; others get closed when idle. */
  constructor(
    private readonly liveBackends: () => ReadonlySet<string>,
    readonly client: UpstreamClient = defaultUpstreamClient(),
  ) {
    this.sweeper = setInterval(() => this.sweep(), SWEEP_EVERY_MS);
    this.sweeper.unref();
  }

  /** The pool for a backend; `key` is the caller's cache of `poolKey(backend, settings)`. */
  get(backend: Backend, settings: PoolSettings, key: string = poolKey(backend, settings)): UpstreamDispatcher {
    const entry = this.pools.get(key);
    if (entry) return entry.pool;
    const pool = this.client === "h1" ? h1Pool(backend, settings) : undiciPool(backend, settings);
    this.pools.set(key, { pool, backendId: backend.id });
    return pool;
  }

  /**
   * The pool Upgrade requests go through: always undici's, whose
   * onRequestUpgrade hands over the socket only after a 101 (H1Pool has no
   * upgrade support). A refusal is an ordinary response on a reusable connection.
   */
  upgrades(backend: Backend, settings: PoolSettings, key: string = poolKey(backend, settings)): UpstreamDispatcher {
    const upgradeKey = `upgrade|${key}`;
    const entry = this.pools.get(upgradeKey);
    if (entry) return entry.pool;
    const pool = undiciPool(backend, settings);
    this.pools.set(upgradeKey, { pool, backendId: backend.id });
    return pool;
  }

  /** Closes pools whose backend is gone from every fleet and has nothing in flight. */
  sweep(): void {
    if (this.closed) return;
    const live = this.liveBackends();
    for (const [key, entry] of this.pools) {
      if (live.has(entry.backendId)) continue;
      const stats = entry.pool.stats;
      if (stats.running > 0 || stats.pending > 0) continue;
      this.pools.delete(key);
      void entry.pool.close().catch(() => {});
    }
  }

  /** Closes idle connections now and the rest when their requests finish (graceful). */
  async close(): Promise<void> {
    await this.end((p) => p.close());
  }

  /** Drops every connection at once. */
  async destroy(): Promise<void> {
    await this.end((p) => p.destroy());
  }

  private async end(how: (p: UpstreamDispatcher) => Promise<void>): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    const all = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(all.map((e) => how(e.pool).catch(() => {})));
  }
}

export function poolKey(backend: Backend, settings: PoolSettings): string {
  return `${backend.id}|${settings.connectMs}|${settings.idleMs}|${settings.tls?.key ?? "plain"}`;
}

function h1Pool(backend: Backend, settings: PoolSettings): UpstreamDispatcher {
  return new H1Pool(backend.host, backend.port, {
    maxConnections: MAX_CONNECTIONS_PER_BACKEND,
    connectMs: settings.connectMs,
    keepAliveMs: settings.idleMs,
    maxHeaderSize: MAX_UPSTREAM_HEADER_BYTES,
    tls: settings.tls?.connectOptions(backend.host),
  });
}

function undiciPool(backend: Backend, settings: PoolSettings): UpstreamDispatcher {
  const pool = new Pool(`${settings.tls ? "https" : "http"}://${backend.id}`, {
    connections: MAX_CONNECTIONS_PER_BACKEND,
    pipelining: 1,
    allowH2: false,
    connect: { timeout: settings.connectMs, ...(settings.tls?.connectOptions(backend.host) ?? {}) },
    keepAliveTimeout: settings.idleMs,
    keepAliveMaxTimeout: settings.idleMs,
    // Stop reusing a connection a second before the backend's advertised keep-alive ends,
    // so a request never races the backend closing an idle socket.
    keepAliveTimeoutThreshold: 1000,
    maxHeaderSize: MAX_UPSTREAM_HEADER_BYTES,
    strictContentLength: true,
  });
  // Errors reach each request's handler; this only keeps a stray emitter error from crashing the process.
  pool.on("connectionError", () => {});
  return {
    dispatch: (options, handler) => pool.dispatch({ ...options, method: options.method as Dispatcher.HttpMethod }, handler),
    get closed() {
      return pool.closed;
    },
    get destroyed() {
      return pool.destroyed;
    },
    get stats() {
      return pool.stats;
    },
    close: () => pool.close(),
    destroy: () => pool.destroy(),
  };
}
