/**
 * One config generation: the compiled router, the fleets and retry budgets
 * it uses, and TCP listener bindings. A reload builds a new generation and
 * swaps one pointer; requests keep the generation they started with (they
 * hold a lease), and the old generation releases its fleets only when its
 * last request has finished.
 */
import type { ProxyRuntimeConfig, TcpListenerConfig } from "../../plan/proxy-config.js";
import type { HttpCacheLayer, Selector } from "../upstream/contracts.js";
import type { FailoverTarget } from "../upstream/failover.js";
import { RetryPolicy } from "../upstream/retry-policy.js";
import type { FleetRegistry } from "./fleet-registry.js";
import { RouteRuntime, type RouteDeps } from "../http/route-runtime.js";
import type { Generation } from "../http/exchange.js";
import { Router } from "../http/router.js";
import { TrustedProxies } from "../http/trusted-proxies.js";
import { viaValue, type ForwardingIdentity } from "../http/headers.js";
import { createSelector, RetryBudget, type Fleet } from "../upstream/index.js";

/**
 * TCP connections are retried only when the connect failed (nothing was
 * sent yet), up to two more backends: the spec has no retry block for TCP.
 */
const TCP_RETRY = new RetryPolicy({ attempts: 2, on: ["connect-failure"] });

/** What a TCP listener needs per connection: its fleet, as the failover loop uses it. */
export interface TcpBinding extends FailoverTarget {
  readonly config: TcpListenerConfig;
}

function tcpBinding(config: TcpListenerConfig, fleet: Fleet, budget: RetryBudget, deps: RouteDeps): TcpBinding {
  const labels = { route: config.name, fleet: config.cluster };
  return {
    config,
    fleet,
    selector: createSelector(config.balancer) as Selector,
    retry: TCP_RETRY,
    budget,
    countRetry: () => deps.metrics.retries.inc(labels),
    countBudgetExhausted: () => deps.metrics.retryBudgetExhausted.inc(labels),
  };
}

export class RuntimeState implements Generation {
  readonly router: Router<RouteRuntime>;
  readonly trust: TrustedProxies;
  readonly tcp = new Map<string, TcpBinding>();
  /** This generation's cache layers by cache name, bound once its caches are applied (see bindCaches). */
  private caches: ReadonlyMap<string, HttpCacheLayer> = new Map();
  /** What this generation tells backends and clients about the proxy, per HTTP listener (immutable). */
  private readonly identities = new Map<string, ForwardingIdentity>();
  private readonly fleets = new Map<string, Fleet>();
  private readonly fresh: Fleet[] = [];
  private inflight = 0;
  private retired = false;
  private drained: (() => void) | undefined;
  private readonly whenDrained: Promise<void>;

  constructor(
    readonly config: ProxyRuntimeConfig,
    private readonly registry: FleetRegistry,
    deps: RouteDeps,
  ) {
    this.whenDrained = new Promise((resolve) => (this.drained = resolve));
    this.trust = new TrustedProxies(config.trustedProxies);
    const budgets = new Map<string, RetryBudget>();
    for (const c of config.clusters) {
      const { fleet, fresh } = registry.acquire(c);
      this.fleets.set(c.name, fleet);
      if (fresh) this.fresh.push(fleet);
      budgets.set(c.name, new RetryBudget(config.retryBudget));
    }
    const via = viaValue(config.name);
    const httpListeners: string[] = [];
    for (const l of config.listeners) {
      if (l.protocol !== "http") continue;
      httpListeners.push(l.name);
      this.identities.set(l.name, Object.freeze({ via, proto: l.tls === undefined ? "http" : "https", hsts: l.tls?.hsts }));
    }
    this.router = new Router(config.routes, httpListeners, (route, listener) =>
      new RouteRuntime({ config: route, listener, fleet: this.fleet(route.cluster), budget: budgets.get(route.cluster)!, identity: this.identity(listener) }, deps),
    );
    for (const l of config.listeners) {
      if (l.protocol === "tcp") this.tcp.set(l.name, tcpBinding(l, this.fleet(l.cluster), budgets.get(l.cluster)!, deps));
    }
  }

  /**
   * Binds the cache layers of this generation's config (after CacheLayers.apply
   * made them), so its requests use its caches even while a newer generation
   * with other cache settings is being built.
   */
  bindCaches(layer: (name: string) => HttpCacheLayer | undefined): void {
    const bound = new Map<string, HttpCacheLayer>();
    for (const c of this.config.caches) {
      const l = layer(c.name);
      if (l !== undefined) bound.set(c.name, l);
    }
    this.caches = bound;
  }

  /** The layer of cache `name` in this generation; undefined when it could not be made (routes then forward uncached). */
  cacheLayer(name: string): HttpCacheLayer | undefined {
    return this.caches.get(name);
  }

  /** The identity of HTTP listener `name` in this generation. */
  identity(name: string): ForwardingIdentity {
    const identity = this.identities.get(name);
    if (identity === undefined) throw new Error(`no HTTP listener "${name}" in this config`);
    return identity;
  }

  /** Starts discovery and health checks of fleets this generation created. */
  async start(): Promise<void> {
    await Promise.all(this.fresh.map((c) => c.start()));
  }

  fleet(name: string): Fleet {
    const c = this.fleets.get(name);
    if (!c) throw new Error(`route refers to unknown fleet "${name}"`);
    return c;
  }

  allFleets(): Iterable<Fleet> {
    return this.fleets.values();
  }

  /** A request (or connection) begins on this generation. */
  enter(): void {
    this.inflight++;
  }

  leave(): void {
    if (--this.inflight === 0 && this.retired) this.drained!();
  }

  get active(): number {
    return this.inflight;
  }

  /**
   * No new requests will start here; resolves when the last in-flight one
   * has finished, after which the generation's fleets are released.
   */
  retire(): Promise<void> {
    if (!this.retired) {
      this.retired = true;
      if (this.inflight === 0) this.drained!();
      void this.whenDrained.then(() => this.dispose());
    }
    return this.whenDrained;
  }

  private dispose(): void {
    for (const c of this.fleets.values()) this.registry.release(c);
    this.fleets.clear();
  }
}
