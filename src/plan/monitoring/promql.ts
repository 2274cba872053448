/**
 * The PromQL the alert rules and the dashboard share. Every metric name comes
 * from Metrics, so a renamed metric breaks the build, not the monitoring.
 */
import { Metrics } from "../metric-names.js";

const requests = Metrics.httpRequests;
const latencyBuckets = `${Metrics.httpRequestDuration}_bucket`;

/** Share of edge responses that were 5xx, over the whole tier. */
export function edge5xxRatio(window: string, by = ""): string {
  const grouping = by ? ` by (${by})` : "";
  return (
    `sum${grouping} (rate(${requests}{status_class="5xx"}[${window}]))` +
    ` / sum${grouping} (rate(${requests}[${window}]))`
  );
}

export function requestRate(window: string, by: string): string {
  return `sum by (${by}) (rate(${requests}[${window}]))`;
}

/** Latency quantile (seconds) per `by` label from the request-duration histogram. */
export function latencyQuantile(q: number, window: string, by = ""): string {
  const labels = by ? `le, ${by}` : "le";
  return `histogram_quantile(${q}, sum by (${labels}) (rate(${latencyBuckets}[${window}])))`;
}

/** Requests through cached routes answered from cache (fresh or stale), per cache. */
export function cacheHitRatio(window: string): string {
  return (
    `sum by (cache) (rate(${Metrics.cacheRequests}{status=~"hit|stale"}[${window}]))` +
    ` / sum by (cache) (rate(${Metrics.cacheRequests}[${window}]))`
  );
}

export function healthyBackends(): string {
  return `sum by (fleet) (${Metrics.backendHealthy})`;
}

export function backendCount(): string {
  return `count by (fleet) (${Metrics.backendHealthy})`;
}

export function backendDown(): string {
  return `${Metrics.backendHealthy} == 0`;
}

/** Every backend of a fleet unhealthy: the fleet serves nothing (or panics). */
export function fleetDown(): string {
  return `max by (fleet) (${Metrics.backendHealthy}) == 0`;
}

export function upstreamErrorRate(window: string): string {
  return `sum by (fleet, reason) (rate(${Metrics.upstreamErrors}[${window}]))`;
}

export function redisErrorRate(window: string): string {
  return `sum by (cache) (rate(${Metrics.cacheRedisErrors}[${window}]))`;
}

export function redisDown(): string {
  return `${Metrics.cacheRedisUp} == 0`;
}

export function retryBudgetExhaustedRate(window: string): string {
  return `sum by (fleet) (rate(${Metrics.retriesBudgetExhausted}[${window}]))`;
}

export function openConnections(): string {
  return `sum by (listener) (${Metrics.openConnections})`;
}

/** Share of a route's requests answered with a 5xx over a window (0, not "no data", when none failed). */
export function routeErrorRatio(route: string, window: string): string {
  return (
    `(sum(rate(${requests}{route="${route}",status_class="5xx"}[${window}])) or vector(0))` +
    ` / sum(rate(${requests}{route="${route}"}[${window}]))`
  );
}

/** An edge replica Prometheus cannot scrape: down, or its admin port unreachable. */
export function edgeDown(job: string): string {
  return `up{job="${job}"} == 0`;
}
