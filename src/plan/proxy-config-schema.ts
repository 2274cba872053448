/**
 * The JSON Schema (TypeBox) of the proxy's runtime config, the file the plan
 * writes and the proxy reads (types in proxy-config.ts). The proxy validates
 * every config it loads against it, on top of the reference checks in
 * src/proxy/runtime/config.ts, so a hand-edited or stale file fails at start
 * or reload with the path of the first wrong value. Unknown properties are
 * allowed: an older proxy ignores what a newer plan adds.
 *
 * The compile-time check at the bottom keeps the schema and the types from
 * drifting apart: every config the types allow must be one the schema accepts.
 */
import { Type, type Static } from "@sinclair/typebox";
import { Algorithms } from "../spec/schema.js";
import { PROXY_CONFIG_VERSION, type ProxyRuntimeConfig } from "./proxy-config.js";

const Name = Type.String({ minLength: 1 });
const Port = Type.Integer({ minimum: 0, maximum: 65535 });
const BackendPort = Type.Integer({ minimum: 1, maximum: 65535 });
const Ms = Type.Number({ minimum: 0 });
const Count = Type.Integer({ minimum: 0 });

const Balancer = Type.Object({
  algorithm: Type.Union(Algorithms.map((a) => Type.Literal(a))),
  hashKey: Type.Optional(Type.String()),
  boundedLoad: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
});

const PemSource = Type.Union([Type.Object({ file: Type.String({ minLength: 1 }) }), Type.Object({ env: Type.String({ minLength: 1 }) })]);

const Acme = Type.Object({
  email: Type.String({ minLength: 1 }),
  directory: Type.String({ pattern: "^https://" }),
  domains: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
  directoryCa: Type.Optional(PemSource),
  storage: Type.Object({
    scope: Type.String({ minLength: 1 }),
    redis: Type.Optional(Type.Object({ url: Type.String(), urlEnv: Type.Optional(Type.String()), passwordEnv: Type.Optional(Type.String()), timeoutMs: Ms })),
    dataDir: Type.Optional(Type.String({ minLength: 1 })),
  }),
  retry: Type.Optional(Type.Object({ minMs: Ms, maxMs: Ms })),
});

const ListenerTls = Type.Object({
  certificates: Type.Array(Type.Object({ cert: PemSource, key: PemSource })),
  acme: Type.Optional(Acme),
  minVersion: Type.Union([Type.Literal("TLSv1.2"), Type.Literal("TLSv1.3")]),
  hsts: Type.Optional(Type.String()),
  handshakeTimeoutMs: Ms,
});

const HttpListener = Type.Object({ name: Name, protocol: Type.Literal("http"), host: Type.String(), port: Port, tls: Type.Optional(ListenerTls) });
const TcpListener = Type.Object({
  name: Name,
  protocol: Type.Literal("tcp"),
  host: Type.String(),
  port: Port,
  cluster: Name,
  balancer: Balancer,
  timeouts: Type.Object({ connectMs: Ms, idleMs: Ms }),
});

const Route = Type.Object({
  name: Name,
  listeners: Type.Array(Name),
  match: Type.Object({
    host: Type.Optional(Type.String()),
    pathPrefix: Type.String(),
    headers: Type.Optional(Type.Record(Type.String(), Type.String())),
  }),
  cluster: Name,
  balancer: Balancer,
  retry: Type.Object({ attempts: Count, on: Type.Array(Type.String()), perTryTimeoutMs: Type.Optional(Ms) }),
  timeouts: Type.Object({ connectMs: Ms, responseMs: Ms, idleMs: Ms }),
  cache: Type.Optional(
    Type.Object({
      cache: Name,
      keyQuery: Type.Union([Type.Literal("keep"), Type.Literal("sort"), Type.Literal("ignore")]),
      cacheSetCookie: Type.Boolean(),
    }),
  ),
});

const Endpoint = Type.Object({ host: Type.String({ minLength: 1 }), port: BackendPort, weight: Type.Number({ minimum: 0 }) });

const Cluster = Type.Object({
  name: Name,
  discovery: Type.Union([
    Type.Object({ type: Type.Literal("static"), endpoints: Type.Array(Endpoint) }),
    Type.Object({ type: Type.Literal("dns"), hosts: Type.Array(Endpoint), refreshMs: Ms }),
    Type.Object({ type: Type.Literal("cloudmap"), namespace: Type.String({ minLength: 1 }), service: Type.String({ minLength: 1 }), port: BackendPort, region: Type.String({ minLength: 1 }), refreshMs: Ms }),
  ]),
  healthCheck: Type.Optional(
    Type.Object({
      protocol: Type.Union([Type.Literal("http"), Type.Literal("tcp")]),
      path: Type.String(),
      expectStatus: Type.Array(Type.Tuple([Type.Integer(), Type.Integer()])),
      intervalMs: Ms,
      timeoutMs: Ms,
      healthyThreshold: Count,
      unhealthyThreshold: Count,
    }),
  ),
  outlier: Type.Object({ consecutive5xx: Count, consecutiveConnectFailures: Count, baseEjectionMs: Ms, maxEjectionMs: Ms, panicThreshold: Type.Number({ minimum: 0, maximum: 100 }) }),
});

const Cache = Type.Object({
  name: Name,
  memory: Type.Object({ maxBytes: Count, maxObjectBytes: Count }),
  redis: Type.Optional(
    Type.Object({ url: Type.String(), urlEnv: Type.Optional(Type.String()), passwordEnv: Type.Optional(Type.String()), timeoutMs: Ms }),
  ),
  heuristicFreshness: Type.Boolean(),
  defaultStaleIfErrorMs: Ms,
});

export const ProxyRuntimeConfigSchema = Type.Object({
  version: Type.Literal(PROXY_CONFIG_VERSION),
  name: Name,
  listeners: Type.Array(Type.Union([HttpListener, TcpListener])),
  routes: Type.Array(Route),
  clusters: Type.Array(Cluster),
  caches: Type.Array(Cache),
  admin: Type.Object({ host: Type.String(), port: Port, tokenEnv: Type.Optional(Type.String()) }),
  limits: Type.Object({ headerTimeoutMs: Ms, requestTimeoutMs: Ms, maxHeaderBytes: Count, keepAliveTimeoutMs: Ms }),
  trustedProxies: Type.Array(Type.String()),
  retryBudget: Type.Object({ ratio: Type.Number({ minimum: 0 }), minPerSecond: Type.Number({ minimum: 0 }) }),
  accessLog: Type.Boolean(),
  workers: Type.Optional(Type.Integer({ minimum: 1 })),
});

/** Fails to compile when proxy-config.ts allows a config this schema does not describe. */
type Accepts<Schema, Config extends Schema> = Config;
export type SchemaCoversTypes = Accepts<Static<typeof ProxyRuntimeConfigSchema>, ProxyRuntimeConfig>;
