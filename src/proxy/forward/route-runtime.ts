/**
 * Everything a request on one route × listener needs, built once per config
 * so the request path only reads fields: the fleet's cluster and retry
 * budget, this route's selector and retry policy, timeouts, and per-backend
 * bindings (pool + metric series) created on first use.
 */
import type { RouteCacheConfig, RouteConfig } from "../../plan/proxy-config.js";
import type { Backend, Selector } from "../upstream/contracts.js";
import type { ProxyMetrics, RequestSeries } from "../runtime/metrics.js";
import type { ForwardingIdentity } from "../http/headers.js";
import { createSelector, type Cluster, type RetryBudget } from "../upstream/index.js";
import { poolKey, type PoolSettings, type UpstreamDispatcher, type UpstreamPools } from "./pools.js";
import { RetryPolicy } from "../upstream/retry-policy.js";

/** A backend as one route uses it. */
export class BackendBinding {
  private current: UpstreamDispatcher | undefined;
  private key: string;
  /** The fleet's TLS files the key was made with; they change when a CA or client certificate is re-read. */
  private tlsKey: string | undefined;

  constructor(
    private readonly pools: UpstreamPools,
    readonly backend: Backend,
    private readonly settings: PoolSettings,
    readonly series: RequestSeries,
  ) {
    this.key = poolKey(backend, settings);
    this.tlsKey = settings.tls?.key;
  }

  /** The backend's pool; fetched again if a sweep closed it meanwhile or the fleet's TLS files changed. */
  pool(): UpstreamDispatcher {
    const p = this.current;
    if (p !== undefined && !p.closed && !p.destroyed && this.tlsKey === this.settings.tls?.key) return p;
    return (this.current = this.pools.get(this.backend, this.settings, this.currentKey()));
  }

  /** The backend's pool for Upgrade requests. */
  upgradePool(): UpstreamDispatcher {
    return this.pools.upgrades(this.backend, this.settings, this.currentKey());
  }

  /** Connections made with earlier TLS files stay in their pool (not cut); new ones go to a pool with the new files. */
  private currentKey(): string {
    if (this.tlsKey !== this.settings.tls?.key) {
      this.key = poolKey(this.backend, this.settings);
      this.tlsKey = this.settings.tls?.key;
    }
    return this.key;
  }
}

export interface RouteDeps {
  pools: UpstreamPools;
  metrics: ProxyMetrics;
}

export class RouteRuntime {
  readonly name: string;
  readonly fleet: string;
  readonly selector: Selector;
  readonly retry: RetryPolicy;
  /** undici headersTimeout: time to the response head (per try when perTryTimeout is set). */
  readonly headersTimeout: number;
  /** undici bodyTimeout: longest silence while the body streams. */
  readonly bodyTimeout: number;
  /** Responses the proxy gives itself on this route (no backend answered). */
  readonly localSeries: RequestSeries;
  readonly hashKey: string | undefined;
  readonly cache: RouteCacheConfig | undefined;
  private readonly settings: PoolSettings;
  private readonly bindings = new Map<string, BackendBinding>();

  constructor(
    readonly config: RouteConfig,
    readonly listener: string,
    readonly cluster: Cluster,
    readonly budget: RetryBudget,
    /** The generation's identity (Via, scheme) on this listener: in-flight requests keep theirs across a reload. */
    readonly identity: ForwardingIdentity,
    private readonly deps: RouteDeps,
  ) {
    this.name = config.name;
    this.fleet = config.cluster;
    this.selector = createSelector(config.balancer);
    this.retry = new RetryPolicy(config.retry);
    const t = config.timeouts;
    const perTry = config.retry.perTryTimeoutMs;
    this.headersTimeout = Math.max(1, Math.round(perTry !== undefined ? Math.min(perTry, t.responseMs) : t.responseMs));
    this.bodyTimeout = Math.max(1, Math.round(t.idleMs));
    this.settings = { connectMs: t.connectMs, idleMs: t.idleMs, tls: cluster.tls };
    this.localSeries = deps.metrics.requestSeries(listener, config.name, config.cluster, "");
    this.hashKey = config.balancer.algorithm === "consistent-hash" ? config.balancer.hashKey : undefined;
    this.cache = config.cache;
  }

  binding(backend: Backend): BackendBinding {
    let b = this.bindings.get(backend.id);
    if (b === undefined) {
      b = new BackendBinding(this.deps.pools, backend, this.settings, this.deps.metrics.requestSeries(this.listener, this.name, this.fleet, backend.id));
      this.bindings.set(backend.id, b);
    }
    return b;
  }

  /** The metric series of responses from backend `id` (cached routes know only the id). */
  seriesFor(id: string): RequestSeries {
    return this.bindings.get(id)?.series ?? this.deps.metrics.requestSeries(this.listener, this.name, this.fleet, id);
  }

  countRetry(): void {
    this.deps.metrics.retries.inc({ route: this.name, fleet: this.fleet });
  }

  countBudgetExhausted(): void {
    this.deps.metrics.retryBudgetExhausted.inc({ route: this.name, fleet: this.fleet });
  }

  countFailure(reason: string): void {
    this.deps.metrics.upstreamErrors.inc({ route: this.name, fleet: this.fleet, reason });
  }
}
