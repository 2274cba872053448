/**
 * The proxy runtime config: what the data plane reads. Plan derives it from a
 * spec for one target; it is plain JSON (written to a file for containers and
 * `edgeform dev`), with every duration in milliseconds and every size in bytes,
 * so the proxy never parses units or knows about specs.
 */
import type { Algorithm } from "../spec/types.js";
import type { ListenerTlsConfig, UpstreamTlsConfig } from "./tls-config.js";

export type { AcmeConfig, AcmeStorageConfig, CertificateConfig, ListenerTlsConfig, PemSourceConfig, UpstreamTlsConfig } from "./tls-config.js";

export const PROXY_CONFIG_VERSION = 1;

export interface ProxyRuntimeConfig {
  version: typeof PROXY_CONFIG_VERSION;
  /** Topology name, used in logs, Via and metrics. */
  name: string;
  listeners: ListenerConfig[];
  /** Routes in match order: the first that matches wins. */
  routes: RouteConfig[];
  clusters: ClusterConfig[];
  caches: CacheConfig[];
  admin: AdminConfig;
  limits: LimitsConfig;
  /** CIDRs whose X-Forwarded-* / Forwarded headers are trusted. */
  trustedProxies: string[];
  retryBudget: { ratio: number; minPerSecond: number };
  accessLog: boolean;
  /** Worker processes; undefined = one per CPU. */
  workers?: number;
}

export type ListenerConfig = HttpListenerConfig | TcpListenerConfig;

export interface HttpListenerConfig {
  name: string;
  protocol: "http";
  /** Bind address; "0.0.0.0" in containers, "127.0.0.1" in dev. */
  host: string;
  port: number;
  /** Set on an https listener: TLS is terminated here, then HTTP/1.1 as on any HTTP listener. */
  tls?: ListenerTlsConfig;
  /** Every request is answered with a 308 to https on this port (the named https listener's). */
  redirectToHttps?: { port: number };
}

export interface TcpListenerConfig {
  name: string;
  protocol: "tcp";
  host: string;
  port: number;
  cluster: string;
  balancer: BalancerConfig;
  timeouts: { connectMs: number; idleMs: number };
}

export interface MatchConfig {
  /** Lower-case host without port; "*.example.com" matches subdomains. */
  host?: string;
  pathPrefix: string;
  /** Lower-case header name → exact value. */
  headers?: Record<string, string>;
}

export interface BalancerConfig {
  algorithm: Algorithm;
  /** consistent-hash only: "header:<name>" | "cookie:<name>" | "path" | "client-ip". */
  hashKey?: string;
  /** consistent-hash only: bounded-load factor (e.g. 1.25). */
  boundedLoad?: number;
}

export interface RetryConfig {
  /** Retries after the first try (0 = none). */
  attempts: number;
  /** "connect-failure" | "reset" | "timeout" | "5xx" | "gateway-error" | "<status>" */
  on: string[];
  perTryTimeoutMs?: number;
}

export interface TimeoutsConfig {
  connectMs: number;
  /** Time to the first byte of the response headers. */
  responseMs: number;
  /** Idle time between bytes, and keep-alive idle of pooled upstream connections. */
  idleMs: number;
}

export interface RouteConfig {
  name: string;
  /** HTTP listener names this route serves. */
  listeners: string[];
  match: MatchConfig;
  cluster: string;
  balancer: BalancerConfig;
  retry: RetryConfig;
  timeouts: TimeoutsConfig;
  cache?: RouteCacheConfig;
}

export interface RouteCacheConfig {
  /** Name of a CacheConfig. */
  cache: string;
  keyQuery: "keep" | "sort" | "ignore";
  /** Store responses carrying Set-Cookie (off by default: shared caches must not leak them). */
  cacheSetCookie: boolean;
}

export interface EndpointConfig {
  host: string;
  port: number;
  weight: number;
}

export type DiscoveryConfig =
  | { type: "static"; endpoints: EndpointConfig[] }
  /** Every A/AAAA record of each host is one backend; re-resolved every refreshMs. */
  | { type: "dns"; hosts: EndpointConfig[]; refreshMs: number }
  /** Every instance of a Cloud Map service (DiscoverInstances API, not DNS: no eight-record limit). */
  | { type: "cloudmap"; namespace: string; service: string; port: number; region: string; refreshMs: number };

export interface HealthCheckConfig {
  protocol: "http" | "tcp";
  path: string;
  /** Inclusive status ranges counted healthy, e.g. [[200, 399]]. */
  expectStatus: Array<[number, number]>;
  intervalMs: number;
  timeoutMs: number;
  healthyThreshold: number;
  unhealthyThreshold: number;
}

export interface OutlierConfig {
  /** 0 disables. */
  consecutive5xx: number;
  /** 0 disables. */
  consecutiveConnectFailures: number;
  baseEjectionMs: number;
  maxEjectionMs: number;
  /** Percent (0-100): below this share of healthy backends, balance across all. */
  panicThreshold: number;
}

export interface ClusterConfig {
  /** The fleet name. */
  name: string;
  discovery: DiscoveryConfig;
  healthCheck?: HealthCheckConfig;
  outlier: OutlierConfig;
  /** Backends are reached over TLS (requests and health checks alike). */
  tls?: UpstreamTlsConfig;
}

export interface CacheConfig {
  name: string;
  memory: { maxBytes: number; maxObjectBytes: number };
  /** Shared tier; absent when the cache has no redis section (or dev has no redis-server). */
  redis?: {
    url: string;
    /** When set and present in the environment, overrides url (deploy-time endpoints, e.g. ElastiCache). */
    urlEnv?: string;
    /** Environment variable holding the Redis AUTH password/token. */
    passwordEnv?: string;
    timeoutMs: number;
  };
  heuristicFreshness: boolean;
  defaultStaleIfErrorMs: number;
}

export interface AdminConfig {
  host: string;
  port: number;
  /**
   * Environment variable holding the bearer token for state-changing admin
   * endpoints (purge, reload). The token itself never appears in config.
   */
  tokenEnv?: string;
  /** Environment variable holding the bearer token GET /metrics needs; unset = /metrics is open. */
  metricsTokenEnv?: string;
}

export interface LimitsConfig {
  headerTimeoutMs: number;
  requestTimeoutMs: number;
  maxHeaderBytes: number;
  keepAliveTimeoutMs: number;
}
