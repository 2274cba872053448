/**
 * Everything a request on one route × listener needs, built once per config
 * so the request path only reads fields: the fleet and its retry
 * budget, this route's selector and retry policy, timeouts, and per-backend
 * bindings (pool + metric series) created on first use.
 */
import type { RouteCacheConfig, RouteConfig } from "../../plan/proxy-config.js";
import type { Backend, Selector } from "../upstream/contracts.js";
import type { ProxyMetrics, RequestSeries } from "../runtime/metrics.js";
import type { ForwardingIdentity } from "./headers.js";
import { createSelector, type Fleet, type RetryBudget } from "../upstream/index.js";
import type { PoolSettings, UpstreamPools } from "../upstream/pools.js";
import { BackendBinding } from "../upstream/backend-binding.js";
import { RetryPolicy } from "../upstream/retry-policy.js";

export interface RouteDeps {
  pools: UpstreamPools;
  metrics: ProxyMetrics;
}

/** What one route × listener is made of in a generation. */
export interface RouteParts {
  readonly config: RouteConfig;
  readonly listener: string;
  readonly fleet: Fleet;
  readonly budget: RetryBudget;
  /** The generation's identity (Via, scheme) on this listener: in-flight requests keep theirs across a reload. */
  readonly identity: ForwardingIdentity;
}

export class RouteRuntime {
  readonly name: string;
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
  readonly config: RouteConfig;
  readonly listener: string;
  readonly fleet: Fleet;
  readonly budget: RetryBudget;
  readonly identity: ForwardingIdentity;
  private readonly settings: PoolSettings;
  private readonly bindings = new Map<string, BackendBinding>();

  constructor(
    parts: RouteParts,
    /** Shared by every route: pools and metrics. */
    private readonly deps: RouteDeps,
  ) {
    const { config, listener, fleet } = parts;
    this.config = config;
    this.listener = listener;
    this.fleet = fleet;
    this.budget = parts.budget;
    this.identity = parts.identity;
    this.name = config.name;
    this.selector = createSelector(config.balancer);
    this.retry = new RetryPolicy(config.retry);
    const t = config.timeouts;
    const perTry = config.retry.perTryTimeoutMs;
    this.headersTimeout = Math.max(1, Math.round(perTry !== undefined ? Math.min(perTry, t.responseMs) : t.responseMs));
    this.bodyTimeout = Math.max(1, Math.round(t.idleMs));
    this.settings = { connectMs: t.connectMs, idleMs: t.idleMs, tls: fleet.tls };
    this.localSeries = deps.metrics.requestSeries(listener, config.name, config.cluster, "");
    this.hashKey = config.balancer.algorithm === "consistent-hash" ? config.balancer.hashKey : undefined;
    this.cache = config.cache;
  }

  binding(backend: Backend): BackendBinding {
    let b = this.bindings.get(backend.id);
    if (b === undefined) {
      b = new BackendBinding(this.deps.pools, backend, this.settings, this.deps.metrics.requestSeries(this.listener, this.name, this.fleet.name, backend.id));
      this.bindings.set(backend.id, b);
    }
    return b;
  }

  /** The metric series of responses from backend `id` (cached routes know only the id). */
  seriesFor(id: string): RequestSeries {
    return this.bindings.get(id)?.series ?? this.deps.metrics.requestSeries(this.listener, this.name, this.fleet.name, id);
  }

  countRetry(): void {
    this.deps.metrics.retries.inc({ route: this.name, fleet: this.fleet.name });
  }

  countBudgetExhausted(): void {
    this.deps.metrics.retryBudgetExhausted.inc({ route: this.name, fleet: this.fleet.name });
  }

  countFailure(reason: string): void {
    this.deps.metrics.upstreamErrors.inc({ route: this.name, fleet: this.fleet.name, reason });
  }
}
