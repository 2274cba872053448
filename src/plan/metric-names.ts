/**
 * Metric names the proxy exports. Generated alert rules and dashboards use
 * only these constants, and a test checks them against a live proxy's
 * /metrics, so a renamed metric cannot silently break monitoring.
 */
export const Metrics = {
  /** counter {listener, route, fleet, backend, status_class} */
  httpRequests: "edgeform_http_requests_total",
  /** histogram (seconds) {route, fleet, backend, status_class} */
  httpRequestDuration: "edgeform_http_request_duration_seconds",
  /** counter {route, fleet, reason} — requests answered by the proxy itself (502/503/504) */
  upstreamErrors: "edgeform_upstream_errors_total",
  /** gauge 1/0 {fleet, backend} */
  backendHealthy: "edgeform_backend_healthy",
  /** counter {route, fleet} */
  retries: "edgeform_retries_total",
  /** counter {route, fleet} — retries refused by the retry budget */
  retriesBudgetExhausted: "edgeform_retry_budget_exhausted_total",
  /** counter {fleet, backend} */
  ejections: "edgeform_backend_ejections_total",
  /** gauge {listener} */
  openConnections: "edgeform_open_connections",
  /** counter {listener, fleet, backend} */
  tcpConnections: "edgeform_tcp_connections_total",
  /** counter {cache, tier, result: hit|miss|stale|expired} */
  cacheLookups: "edgeform_cache_lookups_total",
  /** counter {cache, status: hit|miss|stale|revalidated|bypass|uncacheable} — one per request through a cached route */
  cacheRequests: "edgeform_cache_requests_total",
  /** counter {cache, reason: while-revalidate|if-error} */
  cacheStaleServed: "edgeform_cache_stale_served_total",
  /** counter {cache, outcome: not-modified|modified|error} */
  cacheRevalidations: "edgeform_cache_revalidations_total",
  /** counter {cache} */
  cacheCoalesced: "edgeform_cache_coalesced_total",
  /** gauge {cache, tier} */
  cacheBytes: "edgeform_cache_bytes",
  /** gauge {cache, tier} */
  cacheEntries: "edgeform_cache_entries",
  /** counter {cache, tier} */
  cacheEvictions: "edgeform_cache_evictions_total",
  /** counter {cache} */
  cacheRedisErrors: "edgeform_cache_redis_errors_total",
  /** gauge 1/0 {cache} */
  cacheRedisUp: "edgeform_cache_redis_up",
  /** gauge {listener, certificate}: Unix time at which a served certificate expires */
  tlsCertificateExpiry: "edgeform_tls_certificate_expiry_seconds",
  /** counter {listener, kind: obtain|renew, result: success|failure} — ACME orders this proxy ran */
  acmeOrders: "edgeform_acme_orders_total",
  /** gauge: seconds since the config was (re)loaded {}; info via edgeform_config_info{hash} */
  configInfo: "edgeform_config_info",
} as const;

export type MetricName = (typeof Metrics)[keyof typeof Metrics];
