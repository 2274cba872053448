/**
 * The numbers the live view shows, from two scrapes of the proxy's /metrics:
 * per route and backend the request rate, error ratio, p50/p99 and health;
 * per cache the hit ratio. Pure, so it is tested without a proxy.
 */
import { Metrics } from "../plan/metric-names.js";
import { histogramQuantile, type Bucket, type Sample } from "./metrics-scrape.js";

export interface Scrape {
  /** Epoch ms when it was taken. */
  at: number;
  samples: Sample[];
}

export interface BackendRow {
  route: string;
  fleet: string;
  backend: string;
  /** Requests per second over the window; undefined on the first scrape. */
  rps: number | undefined;
  /** Share of 5xx among requests in the window; undefined without requests. */
  errorRatio: number | undefined;
  p50Ms: number | undefined;
  p99Ms: number | undefined;
  /** From the health gauge; undefined when the proxy has not reported it. */
  healthy: boolean | undefined;
  /** Requests since the proxy started. */
  total: number;
  /** Epoch ms until which outlier detection keeps it out (from the proxy's ejection log); the view fills it in. */
  ejectedUntil?: number;
}

export interface CacheRow {
  cache: string;
  /** Served from cache (hit, stale, revalidated) over all requests through the cache, since start. */
  hitRatio: number | undefined;
  requests: number;
  hits: number;
}

export interface LiveStats {
  rows: BackendRow[];
  caches: CacheRow[];
}

const SERVED_FROM_CACHE = new Set(["hit", "stale", "revalidated"]);

export function computeStats(routes: ReadonlyArray<{ name: string; fleet: string }>, current: Scrape, previous?: Scrape): LiveStats {
  const seconds = previous ? (current.at - previous.at) / 1000 : 0;
  const now = aggregate(current.samples);
  const before = previous ? aggregate(previous.samples) : undefined;

  const keys = new Set(now.requests.keys());
  // Backends without traffic yet still get a row under every route of their fleet.
  for (const [fleetBackend] of now.health) {
    const [fleet, backend] = fleetBackend.split("\0") as [string, string];
    for (const r of routes) if (r.fleet === fleet) keys.add(rowKey(r.name, fleet, backend));
  }
  const rows: BackendRow[] = [];
  for (const key of keys) {
    const [route, fleet, backend] = key.split("\0") as [string, string, string];
    const total = now.requests.get(key)?.total ?? 0;
    const windowTotal = delta(total, before?.requests.get(key)?.total);
    const windowErrors = delta(now.requests.get(key)?.errors ?? 0, before?.requests.get(key)?.errors);
    const buckets = windowBuckets(now.buckets.get(key), before?.buckets.get(key));
    const p50 = histogramQuantile(0.5, buckets);
    const p99 = histogramQuantile(0.99, buckets);
    rows.push({
      route,
      fleet,
      backend,
      rps: previous && seconds > 0 ? windowTotal / seconds : undefined,
      errorRatio: windowTotal > 0 ? windowErrors / windowTotal : undefined,
      p50Ms: p50 === undefined ? undefined : p50 * 1000,
      p99Ms: p99 === undefined ? undefined : p99 * 1000,
      healthy: now.health.get(`${fleet}\0${backend}`),
      total,
    });
  }
  const order = new Map(routes.map((r, i) => [r.name, i]));
  rows.sort((a, b) => (order.get(a.route) ?? 1e9) - (order.get(b.route) ?? 1e9) || a.route.localeCompare(b.route) || a.backend.localeCompare(b.backend, undefined, { numeric: true }));

  const caches: CacheRow[] = [...now.cache].map(([cache, c]) => ({
    cache,
    requests: c.requests,
    hits: c.hits,
    hitRatio: c.requests > 0 ? c.hits / c.requests : undefined,
  }));
  caches.sort((a, b) => a.cache.localeCompare(b.cache));
  return { rows, caches };
}

function rowKey(route: string, fleet: string, backend: string): string {
  return `${route}\0${fleet}\0${backend}`;
}

/** Counter increase, treating a decrease as a restart of the proxy (counter reset). */
function delta(now: number, before: number | undefined): number {
  if (before === undefined) return now;
  return now >= before ? now - before : now;
}

function windowBuckets(now: Map<number, number> | undefined, before: Map<number, number> | undefined): Bucket[] {
  if (!now) return [];
  const out: Bucket[] = [];
  for (const [le, count] of now) out.push({ le, count: delta(count, before?.get(le)) });
  return out;
}

interface Aggregated {
  requests: Map<string, { total: number; errors: number }>;
  buckets: Map<string, Map<number, number>>;
  health: Map<string, boolean>;
  cache: Map<string, { requests: number; hits: number }>;
}

function aggregate(samples: readonly Sample[]): Aggregated {
  const agg: Aggregated = { requests: new Map(), buckets: new Map(), health: new Map(), cache: new Map() };
  const bucketName = `${Metrics.httpRequestDuration}_bucket`;
  for (const s of samples) {
    const l = s.labels;
    if (s.name === Metrics.httpRequests) {
      const key = rowKey(l["route"] ?? "", l["fleet"] ?? "", l["backend"] ?? "");
      const entry = agg.requests.get(key) ?? { total: 0, errors: 0 };
      entry.total += s.value;
      if (l["status_class"] === "5xx") entry.errors += s.value;
      agg.requests.set(key, entry);
    } else if (s.name === bucketName) {
      const key = rowKey(l["route"] ?? "", l["fleet"] ?? "", l["backend"] ?? "");
      const le = l["le"] === "+Inf" ? Infinity : Number(l["le"]);
      if (Number.isNaN(le)) continue;
      const map = agg.buckets.get(key) ?? new Map<number, number>();
      map.set(le, (map.get(le) ?? 0) + s.value);
      agg.buckets.set(key, map);
    } else if (s.name === Metrics.backendHealthy) {
      agg.health.set(`${l["fleet"] ?? ""}\0${l["backend"] ?? ""}`, s.value >= 1);
    } else if (s.name === Metrics.cacheRequests) {
      const cache = l["cache"] ?? "";
      const entry = agg.cache.get(cache) ?? { requests: 0, hits: 0 };
      entry.requests += s.value;
      if (SERVED_FROM_CACHE.has(l["status"] ?? "")) entry.hits += s.value;
      agg.cache.set(cache, entry);
    }
  }
  return agg;
}
