/**
 * The alerts edgeform generates and the labels they carry. The plan's rules
 * are built from these names, and validation checks every Alertmanager
 * matcher, groupBy and inhibit rule against them, so a route can never wait
 * for a label no generated alert sets.
 */

export const AlertNames = {
  edgeDown: "EdgeformEdgeDown",
  edge5xxRatio: "EdgeformEdge5xxRatioHigh",
  highP99Latency: "EdgeformHighP99Latency",
  retryBudgetExhausted: "EdgeformRetryBudgetExhausted",
  backendDown: "EdgeformBackendDown",
  fleetDown: "EdgeformFleetDown",
  cacheRedisErrors: "EdgeformCacheRedisErrors",
  cacheRedisDown: "EdgeformCacheRedisDown",
  sloAvailabilityBurn: "EdgeformSloAvailabilityBurn",
  sloLatencyBurn: "EdgeformSloLatencyBurn",
} as const;

/**
 * Severities: the SLO burn alerts follow the SRE workbook (a fast burn pages,
 * a slow burn opens a ticket); the threshold alerts are critical or warning.
 */
export const Severities = ["page", "ticket", "critical", "warning"] as const;

/** Where the failures an alert counts come from: answered by the edge itself (502/503/504) or a fleet's own 5xx. */
export const ErrorSources = ["edge", "fleet"] as const;

/** Label name → the values it can take, when the set is closed (undefined: any value, e.g. a route name). */
export const AlertLabels: Readonly<Record<string, readonly string[] | undefined>> = {
  alertname: Object.values(AlertNames),
  severity: Severities,
  topology: undefined,
  source: ErrorSources,
  slo: ["availability", "latency"],
  route: undefined,
  fleet: undefined,
  backend: undefined,
  cache: undefined,
  instance: undefined,
  job: undefined,
  /** Set by the static scrape config (Docker, dev); AWS finds the edge by DNS and sets no tier. */
  tier: ["edge"],
};

/** groupBy: [...] groups by every label (Alertmanager's own spelling). */
export const GROUP_BY_ALL = "...";

/**
 * Bucket bounds (seconds) of the proxy's request-duration histogram: a latency
 * objective is measured between two of them. The live-metrics test checks
 * them against a running proxy's /metrics.
 */
export const LATENCY_BUCKETS_SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] as const;
