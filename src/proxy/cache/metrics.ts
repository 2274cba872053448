/**
 * The cache's Prometheus metrics, named only from plan/metric-names.ts.
 * Several cache layers may share a registry (one per cache config, or two
 * "proxies" in one test process): metrics are fetched from the registry when
 * they exist, the `cache` label tells them apart, and the bytes/entries gauges
 * read every layer that registered a stats source.
 */
import { Counter, Gauge, type Registry } from "prom-client";
import { Metrics } from "../../plan/metric-names.js";
import type { TierName } from "./store.js";

export type LookupResult = "hit" | "miss" | "stale" | "expired";
export type RequestStatus = "hit" | "miss" | "stale" | "revalidated" | "bypass" | "uncacheable";
export type StaleReason = "while-revalidate" | "if-error";
export type RevalidationOutcome = "not-modified" | "modified" | "error";

export interface TierStats {
  tier: TierName;
  bytes: number;
  entries: number;
}

/** What one layer reports for the bytes/entries gauges. */
export interface StatsSource {
  cache: string;
  stats(): Promise<TierStats[]>;
}

export interface CacheMetrics {
  lookup(tier: TierName, result: LookupResult): void;
  request(status: RequestStatus): void;
  staleServed(reason: StaleReason): void;
  revalidation(outcome: RevalidationOutcome): void;
  coalesced(): void;
  eviction(tier: TierName): void;
  redisError(): void;
  redisUp(up: boolean): void;
  /** Registers a stats source; returns its removal. */
  addStatsSource(source: StatsSource): () => void;
}

const sourcesByRegistry = new WeakMap<Registry, Set<StatsSource>>();

function counter(registry: Registry, name: string, help: string, labelNames: string[]): Counter {
  return (registry.getSingleMetric(name) as Counter | undefined) ?? new Counter({ name, help, labelNames, registers: [registry] });
}

function gauge(registry: Registry, name: string, help: string, labelNames: string[], collect?: (this: Gauge) => Promise<void>): Gauge {
  const existing = registry.getSingleMetric(name) as Gauge | undefined;
  if (existing) return existing;
  return new Gauge({ name, help, labelNames, registers: [registry], ...(collect ? { collect } : {}) });
}

/** Sums memory tiers across layers (each worker has its own); Redis is one shared tier, so not summed. */
function tierGauge(registry: Registry, name: string, help: string, pick: (s: TierStats) => number): Gauge {
  return gauge(registry, name, help, ["cache", "tier"], async function collect(this: Gauge) {
    const totals = new Map<string, { cache: string; tier: TierName; value: number }>();
    for (const source of sourcesByRegistry.get(registry) ?? []) {
      let stats: TierStats[];
      try {
        stats = await source.stats();
      } catch {
        continue;
      }
      for (const s of stats) {
        const id = `${source.cache}\0${s.tier}`;
        const prev = totals.get(id);
        const value = prev === undefined ? pick(s) : s.tier === "memory" ? prev.value + pick(s) : Math.max(prev.value, pick(s));
        totals.set(id, { cache: source.cache, tier: s.tier, value });
      }
    }
    this.reset();
    for (const t of totals.values()) this.set({ cache: t.cache, tier: t.tier }, t.value);
  });
}

export function createCacheMetrics(registry: Registry, cache: string): CacheMetrics {
  const lookups = counter(registry, Metrics.cacheLookups, "Cache lookups by tier and result.", ["cache", "tier", "result"]);
  const requests = counter(registry, Metrics.cacheRequests, "Requests through a cached route, by how the cache answered.", ["cache", "status"]);
  const stale = counter(registry, Metrics.cacheStaleServed, "Stale responses served (RFC 5861).", ["cache", "reason"]);
  const revalidations = counter(registry, Metrics.cacheRevalidations, "Conditional revalidations sent upstream, by outcome.", ["cache", "outcome"]);
  const coalesced = counter(registry, Metrics.cacheCoalesced, "Requests that waited for another request's fetch instead of making their own.", ["cache"]);
  const evictions = counter(registry, Metrics.cacheEvictions, "Records evicted to make room.", ["cache", "tier"]);
  const redisErrors = counter(registry, Metrics.cacheRedisErrors, "Redis commands that failed or timed out.", ["cache"]);
  const redisUp = gauge(registry, Metrics.cacheRedisUp, "1 when the Redis tier is in use, 0 while it is unavailable.", ["cache"]);
  tierGauge(registry, Metrics.cacheBytes, "Bytes held per cache tier (Redis: the server's used_memory).", (s) => s.bytes);
  tierGauge(registry, Metrics.cacheEntries, "Records held per cache tier.", (s) => s.entries);

  // Children bound once: label lookups are the costly part of an increment.
  const bound = <K extends string>(c: Counter, label: string, values: readonly K[]) =>
    Object.fromEntries(values.map((v) => [v, c.labels({ cache, [label]: v })])) as Record<K, ReturnType<Counter["labels"]>>;
  const lookupBound = new Map<string, ReturnType<Counter["labels"]>>();
  for (const tier of ["memory", "redis"] as const) {
    for (const result of ["hit", "miss", "stale", "expired"] as const) lookupBound.set(`${tier}:${result}`, lookups.labels({ cache, tier, result }));
  }
  const requestBound = bound(requests, "status", ["hit", "miss", "stale", "revalidated", "bypass", "uncacheable"] as const);
  const staleBound = bound(stale, "reason", ["while-revalidate", "if-error"] as const);
  const revalidationBound = bound(revalidations, "outcome", ["not-modified", "modified", "error"] as const);
  const coalescedBound = coalesced.labels({ cache });
  const redisErrorsBound = redisErrors.labels({ cache });

  return {
    lookup: (tier, result) => lookupBound.get(`${tier}:${result}`)!.inc(),
    request: (status) => requestBound[status].inc(),
    staleServed: (reason) => staleBound[reason].inc(),
    revalidation: (outcome) => revalidationBound[outcome].inc(),
    coalesced: () => coalescedBound.inc(),
    eviction: (tier) => evictions.labels({ cache, tier }).inc(),
    redisError: () => redisErrorsBound.inc(),
    redisUp: (up) => redisUp.set({ cache }, up ? 1 : 0),
    addStatsSource(source) {
      let set = sourcesByRegistry.get(registry);
      if (!set) sourcesByRegistry.set(registry, (set = new Set()));
      set.add(source);
      return () => set.delete(source);
    },
  };
}
