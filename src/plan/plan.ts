/**
 * planDeployment: a valid Topology and a target → DeploymentPlan. Pure: no
 * I/O, no Pulumi, no clock; the same inputs always give the same plan.
 */
import { EdgeformError } from "../errors.js";
import type {
  BalancerSpec, EndpointSpec, FleetSpec, HealthCheckSpec, OutlierDetectionSpec, RouteSpec, TimeoutsSpec, Topology,
} from "../spec/types.js";
import { bytes, ms } from "../spec/units.js";
import { Defaults } from "./defaults.js";
import { awsKeepAliveMs, awsPrefix, planAws, replicationGroupId } from "./aws.js";
import { awsDiscoveryNames } from "./monitoring/files.js";
import { planMonitoring } from "./monitoring/index.js";
import { resourceName } from "./naming.js";
import type {
  BalancerConfig, CacheConfig, ClusterConfig, EndpointConfig, HealthCheckConfig, ListenerConfig, OutlierConfig,
  ProxyRuntimeConfig, RouteConfig, TimeoutsConfig,
} from "./proxy-config.js";
import { pemInPlace, planListenerTls, planUpstreamTls, tlsSecrets, type AcmeStorageConfig, type PemPlacement } from "./tls-config.js";
import { pemInContainer, type PlannedTlsFile } from "./tls-files.js";
import type { DeploymentPlan, PlannedCache, PlannedEdge, PlannedFleet, PlannedListener, PlannedTarget, Provider } from "./types.js";
import type { DevAddresses } from "./dev-addresses.js";

/** Addresses only known when `edgeform dev` starts processes (it picks free ports). */
export type { DevAddresses };

export interface PlanOptions {
  dev?: DevAddresses;
  /** Directory that `{ file }` references in the spec are relative to; paths stay as written without it. */
  specDir?: string;
  /** Pulumi stack name (AWS physical names carry it); default `<topology>-<target>`. */
  stack?: string;
}

export const DEV_TARGET = "dev";

export function planDeployment(topology: Topology, targetName: string, options: PlanOptions = {}): DeploymentPlan {
  const target = resolveTarget(topology, targetName);
  // On AWS every name carries the stack; Docker and dev names stay those of the topology.
  const prefix = target.provider === "aws" ? awsPrefix(topology.name, target.name, options.stack) : topology.name;
  const namespace = awsDiscoveryNames(prefix).namespace;
  const tlsFiles: PlannedTlsFile[] = [];
  // Docker containers get every PEM as an uploaded file; elsewhere the proxy reads them where they are.
  const placePem = target.provider === "docker" ? pemInContainer(options.specDir, tlsFiles) : pemInPlace(options.specDir, secretEnvName);
  const ctx: PlanContext = { topology, target, provider: target.provider, dev: options.dev ?? {}, prefix, namespace, specDir: options.specDir, placePem };
  const fleets = Object.entries(topology.fleets).map(([name, spec]) => planFleet(ctx, name, spec));
  const caches = Object.entries(topology.caches ?? {}).map(([name, spec]) => planCache(ctx, name, spec));
  const edge = planEdge(ctx);
  const proxyConfig = planProxyConfig(ctx, fleets, caches, edge);
  edge.tlsFiles = tlsFiles;
  const routes = proxyConfig.routes.map((r, i) => ({ name: r.name, fleet: r.cluster, ...(topology.edge.routes?.[i]?.slo ? { slo: topology.edge.routes[i]!.slo! } : {}) }));
  const metricsToken = topology.edge.admin?.metricsToken?.secret;
  const monitoring = planMonitoring(topology, { provider: ctx.provider, prefix, edge, caches, routes, dev: ctx.dev, images: imagesOf(target), ...(metricsToken !== undefined ? { metricsTokenSecret: metricsToken } : {}) });
  const plan: DeploymentPlan = {
    name: topology.name,
    target,
    network: resourceName([topology.name, "net"]),
    fleets,
    edge,
    caches,
    monitoring,
    proxyConfig,
    secrets: collectSecrets(topology),
    tags: { ...(target.spec?.tags ?? {}), "edgeform:topology": topology.name, "edgeform:target": target.name },
  };
  if (target.provider === "aws") plan.aws = planAws(topology, target.name, target.spec, options.stack, edge.listeners);
  return plan;
}

interface PlanContext {
  topology: Topology;
  target: PlannedTarget;
  provider: Provider;
  dev: DevAddresses;
  specDir: string | undefined;
  /** Where the runtime config points the proxy for each certificate, key and CA of the spec. */
  placePem: PemPlacement;
  /** Start of resource names: the topology, or `<topology>-<stack>` on AWS. */
  prefix: string;
  /** Cloud Map namespace (AWS). */
  namespace: string;
}

function resolveTarget(topology: Topology, name: string): PlannedTarget {
  if (name === DEV_TARGET && !topology.targets?.[DEV_TARGET]) return { name, provider: "dev", spec: undefined };
  const spec = topology.targets?.[name];
  if (!spec) {
    const known = [DEV_TARGET, ...Object.keys(topology.targets ?? {})];
    throw new EdgeformError("EF_SPEC_UNKNOWN_TARGET", `target "${name}" is not defined in spec "${topology.name}"`, {
      hint: `use one of: ${known.join(", ")}, or add it under \`targets:\``,
    });
  }
  return spec.provider === "aws" ? { name, provider: "aws", spec } : { name, provider: "docker", spec };
}

function imagesOf(target: PlannedTarget) {
  return target.spec?.images ?? {};
}

// ── fleets ──────────────────────────────────────────────────────────────────

function planFleet(ctx: PlanContext, name: string, spec: FleetSpec): PlannedFleet {
  const { topology, provider } = ctx;
  const base = resourceName([ctx.prefix, name]);
  const provisioned = spec.image !== undefined;
  const replicas = provisioned ? spec.replicas ?? 1 : 0;
  const env: PlannedFleet["env"] = {};
  for (const [k, v] of Object.entries(spec.env ?? {})) env[k] = typeof v === "string" ? { value: v } : { secret: v.secret };
  const fleet: PlannedFleet = {
    name,
    resourceName: base,
    kind: provisioned ? "provisioned" : "external",
    replicas,
    replicaNames: Array.from({ length: replicas }, (_, i) => resourceName([ctx.prefix, name, i])),
    env,
    resources: { cpu: spec.resources?.cpu ?? Defaults.fleetResources.cpu, memoryMiB: spec.resources?.memory ?? Defaults.fleetResources.memoryMiB },
  };
  if (provisioned) {
    fleet.image = imagesOf(ctx.target).fleets?.[name] ?? spec.image!;
    fleet.port = spec.port!;
    if (provider === "docker") fleet.serviceHost = base;
    if (provider === "aws") fleet.serviceHost = `${name}.${ctx.namespace}`;
  }
  if (spec.command) fleet.command = [...spec.command];
  if (spec.healthCheck || provisioned) fleet.healthCheck = planHealthCheck(spec.healthCheck);
  if (spec.autoscaling) fleet.autoscaling = { min: spec.autoscaling.min, max: spec.autoscaling.max, cpuTarget: spec.autoscaling.cpuTarget ?? 60 };
  if (spec.dev) {
    fleet.dev = { command: spec.dev.command, env: { ...(spec.dev.env ?? {}) } };
    if (spec.dev.cwd !== undefined) fleet.dev.cwd = spec.dev.cwd;
  }
  return fleet;
}

export function planHealthCheck(spec: HealthCheckSpec | undefined): HealthCheckConfig {
  const d = Defaults.healthCheck;
  return {
    protocol: spec?.protocol ?? d.protocol,
    path: spec?.path ?? d.path,
    expectStatus: parseStatusRanges(spec?.expectStatus ?? d.expectStatus),
    intervalMs: ms(spec?.interval ?? d.interval),
    timeoutMs: ms(spec?.timeout ?? d.timeout),
    healthyThreshold: spec?.healthyThreshold ?? d.healthyThreshold,
    unhealthyThreshold: spec?.unhealthyThreshold ?? d.unhealthyThreshold,
  };
}

/** "200" → [[200,200]], "2xx" → [[200,299]], "200-399" → [[200,399]]. */
export function parseStatusRanges(text: string): Array<[number, number]> {
  if (text.includes("-")) {
    const [a, b] = text.split("-").map(Number);
    return [[a!, b!]];
  }
  if (/x/.test(text)) return [[Number(text.replace(/x/g, "0")), Number(text.replace(/x/g, "9"))]];
  return [[Number(text), Number(text)]];
}

function planOutlier(fleet: OutlierDetectionSpec | undefined, edge: OutlierDetectionSpec | undefined): OutlierConfig {
  const d = Defaults.outlier;
  const pick = <K extends keyof OutlierDetectionSpec>(k: K) => fleet?.[k] ?? edge?.[k];
  return {
    consecutive5xx: pick("consecutive5xx") ?? d.consecutive5xx,
    consecutiveConnectFailures: pick("consecutiveConnectFailures") ?? d.consecutiveConnectFailures,
    baseEjectionMs: ms(pick("baseEjectionTime") ?? d.baseEjectionTime),
    maxEjectionMs: ms(pick("maxEjectionTime") ?? d.maxEjectionTime),
    panicThreshold: pick("panicThreshold") ?? d.panicThreshold,
  };
}

// ── caches ──────────────────────────────────────────────────────────────────

function planCache(ctx: PlanContext, name: string, spec: NonNullable<Topology["caches"]>[string]): PlannedCache {
  const cache: PlannedCache = {
    name,
    resourceName: resourceName([ctx.prefix, "redis", name]),
    memoryMaxBytes: bytes(spec.memory?.maxBytes ?? Defaults.cache.memoryMaxBytes),
  };
  if (spec.redis) {
    const devPort = ctx.dev.redisPorts?.[name];
    if (ctx.provider !== "dev" || devPort !== undefined) {
      cache.redis = {
        host: ctx.provider === "dev" ? "127.0.0.1" : ctx.provider === "aws" ? `redis-${name}.${ctx.namespace}` : cache.resourceName,
        port: devPort ?? Defaults.redisPort,
        maxMemoryBytes: bytes(spec.redis.maxMemory),
        evictionPolicy: "allkeys-lru",
      };
      if (ctx.provider === "aws") cache.redis.replicationGroupId = replicationGroupId(ctx.prefix, name);
    }
  }
  return cache;
}

// ── edge ────────────────────────────────────────────────────────────────────

function planEdge(ctx: PlanContext): PlannedEdge {
  const { topology, target } = ctx;
  const spec = topology.edge;
  const replicas = ctx.provider === "dev" ? 1 : spec.replicas ?? 1;
  const firstHttp = spec.listeners.find((l) => l.protocol === "http");
  const publishBase = target.provider === "docker" ? target.spec.publishPort : undefined;
  const listeners = spec.listeners.map((l) => {
    const port = ctx.dev.listenerPorts?.[l.name] ?? l.port;
    const base = l === firstHttp && publishBase !== undefined ? publishBase : port;
    const planned: PlannedListener = {
      name: l.name,
      protocol: l.protocol === "tcp" ? "tcp" : "http",
      port,
      publishedPorts: target.provider === "docker" ? Array.from({ length: replicas }, (_, i) => base + i) : [],
    };
    if (l.protocol === "https") planned.tls = true;
    return planned;
  });
  const published = listeners.flatMap((l) => l.publishedPorts);
  const clash = published.find((p, i) => published.indexOf(p) !== i);
  if (clash !== undefined) {
    throw new EdgeformError("EF_PLAN", `edge replicas would publish host port ${clash} twice (replica i publishes each listener at its port + i)`, {
      hint: "space listener ports (or publishPort) further apart than the number of edge replicas",
    });
  }
  const secretEnv: Record<string, string> = {};
  if (spec.admin?.token) secretEnv[secretEnvName(spec.admin.token.secret)] = spec.admin.token.secret;
  if (spec.admin?.metricsToken) secretEnv[secretEnvName(spec.admin.metricsToken.secret)] = spec.admin.metricsToken.secret;
  // On Docker, TLS secrets arrive as files (edge.tlsFiles), never in the environment.
  if (ctx.provider !== "docker") for (const secret of tlsSecrets(topology)) secretEnv[secretEnvName(secret)] = secret;
  const edge: PlannedEdge = {
    resourceName: resourceName([ctx.prefix, "edge"]),
    replicas,
    replicaNames: Array.from({ length: replicas }, (_, i) => resourceName([ctx.prefix, "edge", i])),
    listeners,
    adminPort: ctx.dev.adminPort ?? spec.admin?.port ?? Defaults.adminPort,
    secretEnv,
    tlsFiles: [],
  };
  const image = imagesOf(target).edge;
  if (image !== undefined) edge.image = image;
  if (spec.workers !== undefined) edge.workers = spec.workers;
  return edge;
}

/** The environment variable a secret is read from by processes we start. */
export function secretEnvName(secret: string): string {
  return `EDGEFORM_SECRET_${envSuffix(secret)}`;
}

function envSuffix(name: string): string {
  return name.replace(/[^A-Za-z0-9]/g, "_").toUpperCase();
}

// ── proxy runtime config ────────────────────────────────────────────────────

function planProxyConfig(ctx: PlanContext, fleets: PlannedFleet[], caches: PlannedCache[], edge: PlannedEdge): ProxyRuntimeConfig {
  const { topology } = ctx;
  const spec = topology.edge;
  const bindHost = ctx.provider === "dev" ? "127.0.0.1" : "0.0.0.0";
  const httpListenerNames = spec.listeners.filter((l) => l.protocol !== "tcp").map((l) => l.name);
  const cacheConfigs = caches.map((c) => planCacheConfig(topology, ctx.provider, c));
  const listeners: ListenerConfig[] = spec.listeners.map((l, i) => {
    const port = edge.listeners[i]!.port;
    if (l.protocol === "https") return { name: l.name, protocol: "http", host: bindHost, port, tls: planListenerTls(l.name, l.tls, ctx.placePem, ctx.dev.localCertificate, acmeStorage(ctx, l.name, cacheConfigs)) };
    if (l.protocol === "http") {
      const redirect = l.redirectToHttps === undefined ? undefined : edge.listeners.find((p) => p.name === l.redirectToHttps);
      // What clients reach: on Docker the first replica's published port, else the listener's own.
      return redirect === undefined
        ? { name: l.name, protocol: "http", host: bindHost, port }
        : { name: l.name, protocol: "http", host: bindHost, port, redirectToHttps: { port: redirect.publishedPorts[0] ?? redirect.port } };
    }
    return { name: l.name, protocol: "tcp", host: bindHost, port, cluster: l.fleet!, balancer: planBalancer(l.balancer), timeouts: tcpTimeouts(l.timeouts) };
  });
  const routes: RouteConfig[] = (spec.routes ?? []).map((r, i) => planRoute(r, i, httpListenerNames));
  const clusters = fleets.map((f) => planCluster(ctx, f, topology.fleets[f.name]!));
  const limits = spec.limits ?? {};
  const d = Defaults.limits;
  const config: ProxyRuntimeConfig = {
    version: 1,
    name: topology.name,
    listeners,
    routes,
    clusters,
    caches: cacheConfigs,
    admin: { host: bindHost, port: edge.adminPort },
    limits: {
      headerTimeoutMs: ms(limits.headerTimeout ?? d.headerTimeout),
      requestTimeoutMs: ms(limits.requestTimeout ?? d.requestTimeout),
      maxHeaderBytes: bytes(limits.maxHeaderSize ?? d.maxHeaderSize),
      keepAliveTimeoutMs: ctx.target.provider === "aws" ? awsKeepAliveMs(topology, ctx.target.spec) : ms(limits.keepAliveTimeout ?? d.keepAliveTimeout),
    },
    trustedProxies: [...(spec.trustedProxies ?? [])],
    retryBudget: {
      ratio: spec.retryBudget?.ratio ?? Defaults.retryBudget.ratio,
      minPerSecond: spec.retryBudget?.minPerSecond ?? Defaults.retryBudget.minPerSecond,
    },
    accessLog: spec.accessLog ?? true,
  };
  if (spec.admin?.token) config.admin.tokenEnv = secretEnvName(spec.admin.token.secret);
  if (spec.admin?.metricsToken) config.admin.metricsTokenEnv = secretEnvName(spec.admin.metricsToken.secret);
  if (edge.workers !== undefined) config.workers = edge.workers;
  return config;
}

function planRoute(r: RouteSpec, index: number, httpListeners: string[]): RouteConfig {
  const match: RouteConfig["match"] = { pathPrefix: r.match.pathPrefix ?? "/" };
  if (r.match.host !== undefined) match.host = r.match.host.toLowerCase().replace(/:\d+$/, "");
  if (r.match.headers) match.headers = Object.fromEntries(Object.entries(r.match.headers).map(([k, v]) => [k.toLowerCase(), v]));
  const route: RouteConfig = {
    name: r.name ?? `route-${index}`,
    listeners: r.listeners ? [...r.listeners] : httpListeners,
    match,
    cluster: r.fleet,
    balancer: planBalancer(r.balancer),
    retry: {
      attempts: r.retry?.attempts ?? Defaults.retry.attempts,
      on: (r.retry?.on ?? Defaults.retry.on).map(String),
    },
    timeouts: httpTimeouts(r.timeouts),
  };
  if (r.retry?.perTryTimeout) route.retry.perTryTimeoutMs = ms(r.retry.perTryTimeout);
  if (r.cache !== undefined) route.cache = { cache: r.cache, keyQuery: r.cacheKey?.query ?? "keep", cacheSetCookie: r.cacheSetCookie ?? false };
  return route;
}

function planBalancer(b: BalancerSpec | undefined): BalancerConfig {
  const config: BalancerConfig = { algorithm: b?.algorithm ?? "round-robin" };
  if (b?.hashKey !== undefined) config.hashKey = b.hashKey;
  if (b?.boundedLoad !== undefined) config.boundedLoad = b.boundedLoad;
  return config;
}

function httpTimeouts(t: TimeoutsSpec | undefined): TimeoutsConfig {
  const d = Defaults.timeouts;
  return { connectMs: ms(t?.connect ?? d.connect), responseMs: ms(t?.response ?? d.response), idleMs: ms(t?.idle ?? d.idle) };
}

function tcpTimeouts(t: TimeoutsSpec | undefined) {
  const d = Defaults.timeouts;
  return { connectMs: ms(t?.connect ?? d.connect), idleMs: ms(t?.idle ?? d.idle) };
}

function parseEndpoint(e: EndpointSpec): EndpointConfig {
  const address = typeof e === "string" ? e : e.address;
  const weight = typeof e === "string" ? 1 : e.weight ?? 1;
  const at = address.lastIndexOf(":");
  return { host: address.slice(0, at).replace(/^\[|\]$/g, ""), port: Number(address.slice(at + 1)), weight };
}

function planCluster(ctx: PlanContext, fleet: PlannedFleet, spec: FleetSpec): ClusterConfig {
  const outlier = planOutlier(spec.outlierDetection, ctx.topology.edge.outlierDetection);
  const refreshMs = ms(spec.discovery?.refresh ?? Defaults.dnsRefresh);
  let discovery: ClusterConfig["discovery"];
  if (fleet.kind === "external") {
    const endpoints = (spec.endpoints ?? []).map(parseEndpoint);
    discovery = spec.discovery?.type === "dns" ? { type: "dns", hosts: endpoints, refreshMs } : { type: "static", endpoints };
  } else if (ctx.provider === "dev") {
    const ports = ctx.dev.fleetPorts?.[fleet.name] ?? [];
    discovery = { type: "static", endpoints: ports.map((port) => ({ host: "127.0.0.1", port, weight: 1 })) };
  } else if (ctx.target.provider === "aws") {
    // The Cloud Map API, not its DNS: a MULTIVALUE answer holds at most eight replicas.
    discovery = { type: "cloudmap", namespace: ctx.namespace, service: fleet.name, port: fleet.port!, region: ctx.target.spec.region, refreshMs };
  } else {
    // Every replica answers on one DNS name (the Docker network alias); resolve all records.
    discovery = { type: "dns", hosts: [{ host: fleet.serviceHost!, port: fleet.port!, weight: 1 }], refreshMs };
  }
  const cluster: ClusterConfig = { name: fleet.name, discovery, outlier };
  if (fleet.healthCheck) cluster.healthCheck = fleet.healthCheck;
  if (spec.tls) cluster.tls = planUpstreamTls(fleet.name, spec.tls, ctx.placePem);
  return cluster;
}

/** Containers keep ACME state here (a volume survives a replaced container); `edgeform proxy` uses the user's data directory. */
export const CONTAINER_ACME_DIR = "/var/lib/edgeform/acme";

/** ACME state is shared through the first Redis tier when there is one, else a directory. */
function acmeStorage(ctx: PlanContext, listener: string, caches: CacheConfig[]): AcmeStorageConfig {
  const storage: AcmeStorageConfig = { scope: `${ctx.topology.name}/${listener}` };
  const redis = caches.find((c) => c.redis !== undefined)?.redis;
  if (redis) storage.redis = { ...redis };
  if (ctx.provider !== "dev") storage.dataDir = CONTAINER_ACME_DIR;
  return storage;
}

function planCacheConfig(topology: Topology, provider: Provider, cache: PlannedCache): CacheConfig {
  const spec = topology.caches![cache.name]!;
  const config: CacheConfig = {
    name: cache.name,
    memory: { maxBytes: cache.memoryMaxBytes, maxObjectBytes: bytes(spec.memory?.maxObjectSize ?? Defaults.cache.maxObjectSize) },
    heuristicFreshness: spec.heuristicFreshness ?? false,
    defaultStaleIfErrorMs: ms(spec.defaultStaleIfError ?? Defaults.cache.defaultStaleIfError),
  };
  if (cache.redis) {
    const tls = provider === "aws";
    config.redis = {
      url: `${tls ? "rediss" : "redis"}://${cache.redis.host}:${cache.redis.port}`,
      urlEnv: `EDGEFORM_REDIS_URL_${envSuffix(cache.name)}`,
      timeoutMs: ms(spec.redis?.timeout ?? Defaults.cache.redisTimeout),
    };
    // ElastiCache's AUTH token and the Docker tier's generated password; dev runs its own redis-server without one.
    if (provider !== "dev") config.redis.passwordEnv = `EDGEFORM_REDIS_AUTH_${envSuffix(cache.name)}`;
  }
  return config;
}

function collectSecrets(topology: Topology): string[] {
  const found = new Set<string>();
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === "object") {
      const o = v as Record<string, unknown>;
      if (typeof o["secret"] === "string" && Object.keys(o).length === 1) found.add(o["secret"]);
      else Object.values(o).forEach(walk);
    }
  };
  walk(topology);
  return [...found].sort();
}
