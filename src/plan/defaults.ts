/**
 * Defaults for everything a spec may leave out. They follow what operators of
 * nginx/Envoy expect: short connect timeouts, retries only on connection
 * failures, health flips after a few consecutive results.
 */
export const Defaults = {
  adminPort: 9901,
  healthCheck: { protocol: "http", path: "/", expectStatus: "200-399", interval: "5s", timeout: "2s", healthyThreshold: 2, unhealthyThreshold: 3 },
  outlier: { consecutive5xx: 5, consecutiveConnectFailures: 3, baseEjectionTime: "30s", maxEjectionTime: "5m", panicThreshold: 50 },
  timeouts: { connect: "2s", response: "30s", idle: "60s" },
  retry: { attempts: 1, on: ["connect-failure"] as string[] },
  retryBudget: { ratio: 0.2, minPerSecond: 10 },
  limits: { headerTimeout: "10s", requestTimeout: "60s", maxHeaderSize: "16KiB", keepAliveTimeout: "60s" },
  dnsRefresh: "5s",
  cache: { memoryMaxBytes: "64MiB", maxObjectSize: "8MiB", redisTimeout: "250ms", defaultStaleIfError: "0s" },
  redisPort: 6379,
  prometheus: { port: 9090, scrapeInterval: "15s", retention: "15d" },
  grafana: { port: 3000 },
  alertmanager: { port: 9093, groupBy: ["alertname", "topology"], groupWait: "30s", groupInterval: "5m", repeatInterval: "4h" },
  slo: { window: "30d" },
  alerts: { edge5xxRatio: 0.05, backendDownFor: "1m", p99LatencyAbove: "2s", cacheErrorsPerSecond: 1 },
  fleetResources: { cpu: 256, memoryMiB: 512 },
  /** ALB idle timeout (AWS default) and how much longer the proxy keeps an idle client connection. */
  aws: { albIdleTimeout: "60s", keepAliveMargin: "5s" },
  images: { redis: "redis:7-alpine", prometheus: "prom/prometheus:v2.53.0", grafana: "grafana/grafana:11.1.0", alertmanager: "prom/alertmanager:v0.27.0" },
  /** Docker: how long `up` waits for a container to turn healthy. */
  dockerHealthTimeout: "2m",
} as const;
