/**
 * Titles of the generated dashboard's panels. Alert runbook hints name the
 * panel to open, so both read them from here.
 */
export const PanelTitles = {
  requestRate: "Request rate by route",
  errorRatio: "5xx error ratio",
  latency: "Latency percentiles",
  p99ByRoute: "p99 latency by route",
  healthyBackends: "Healthy backends by fleet",
  edgeErrors: "Errors answered by the edge",
  openConnections: "Open connections",
  tlsExpiry: "TLS certificates: days to expiry",
  cacheHitRatio: "Cache hit ratio",
  redisErrors: "Redis tier errors",
  sloAvailability: "SLO: availability by route",
  errorBudget: "SLO: error budget remaining",
} as const;

/** The generated dashboard's title, as alerts name it. */
export function dashboardTitle(prefix: string): string {
  return `edgeform: ${prefix}`;
}
