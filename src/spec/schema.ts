/**
 * The topology spec format, version 1. This TypeBox definition is the single
 * source of truth: `schema/topology.schema.json` is generated from it
 * (`npm run schema`) and the TypeScript types in ./types.ts are derived from it.
 */
import { Type, type TSchema, type SchemaOptions } from "@sinclair/typebox";
import { DURATION_PATTERN, SIZE_PATTERN } from "./units.js";

export const SCHEMA_ID = "https://edgeform.dev/schema/topology.schema.json";

const closed = <T extends Parameters<typeof Type.Object>[0]>(props: T, opts: SchemaOptions = {}) =>
  Type.Object(props, { additionalProperties: false, ...opts });

/**
 * A mapping whose keys must match a pattern (fleet names, env variables…).
 * additionalProperties: false matters: without it a key that breaks the
 * pattern is not reported and its value is not checked at all.
 */
const keyedBy = <V extends TSchema>(keyPattern: string, value: V, opts: SchemaOptions = {}) =>
  Type.Record(Type.String({ pattern: keyPattern }), value, { additionalProperties: false, ...opts });

export const ENTRY_NAME_PATTERN = "^[a-z][a-z0-9-]*$";

export const Duration = Type.String({
  pattern: DURATION_PATTERN,
  description: 'A duration with units: "500ms", "5s", "1m", "1h30m", "7d".',
  examples: ["500ms", "5s", "1m"],
});
export const Size = Type.String({
  pattern: SIZE_PATTERN,
  description: 'A size with units: "512KiB", "256MiB", "1GiB", "10MB".',
  examples: ["256MiB", "1GiB"],
});
export const Name = Type.String({
  pattern: "^[a-z][a-z0-9-]{0,30}[a-z0-9]$|^[a-z]$",
  description: "A short lower-case name: letters, digits and dashes, starting with a letter (at most 32 characters).",
});
const Port = Type.Integer({ minimum: 1, maximum: 65535, description: "A TCP port, 1-65535." });

/** A value that must not sit in plain config: read from a named secret. */
export const SecretRef = closed(
  {
    secret: Type.String({
      pattern: "^[A-Za-z][A-Za-z0-9_]*$",
      description:
        "Name of the secret. Pulumi reads it from stack config (`pulumi config set --secret <name>`); " +
        "`edgeform dev` and the proxy read it from the environment variable EDGEFORM_SECRET_<NAME>.",
    }),
  },
  { description: "A reference to a secret, never the secret itself." },
);

const EnvValue = Type.Union([Type.String(), SecretRef]);

/** PEM text (certificate, key, CA bundle): a file next to the spec, or a secret holding the PEM. */
export const PemSource = Type.Union([
  closed({ file: Type.String({ minLength: 1, description: "Path of a PEM file, relative to the spec file." }) }),
  SecretRef,
], { description: "{ file: path } relative to the spec, or { secret: name } holding the PEM text." });

export const TlsCertificate = closed({
  cert: PemSource,
  key: PemSource,
}, { description: "A certificate chain (leaf first) and its private key." });

export const ListenerTls = closed({
  certificates: Type.Optional(Type.Array(TlsCertificate, {
    minItems: 1,
    description: "Chosen by SNI (wildcard names allowed); the first is served to clients that send no or an unknown name.",
  })),
  acme: Type.Optional(closed({
    email: Type.String({ pattern: "^[^\\s@]+@[^\\s@]+$", description: "Contact address of the ACME account." }),
    directory: Type.Optional(Type.String({ pattern: "^https://", description: "ACME directory URL; Let's Encrypt production by default." })),
    domains: Type.Array(Type.String({ pattern: "^[A-Za-z0-9.-]+$" }), { minItems: 1, description: "Names to obtain a certificate for (HTTP-01)." }),
  }, { description: "Automatic certificates (RFC 8555)." })),
  minVersion: Type.Optional(Type.Union([Type.Literal("TLSv1.2"), Type.Literal("TLSv1.3")], { default: "TLSv1.2", description: "Oldest TLS version accepted: TLSv1.2 or TLSv1.3." })),
  hsts: Type.Optional(closed({
    maxAge: Duration,
    includeSubDomains: Type.Optional(Type.Boolean({ default: false })),
    preload: Type.Optional(Type.Boolean({ default: false })),
  }, { description: "Strict-Transport-Security sent on every HTTPS response of this listener." })),
}, { description: "TLS termination of an https listener." });

export const FleetTls = closed({
  serverName: Type.Optional(Type.String({ pattern: "^[A-Za-z0-9.-]+$", description: "SNI and the name verified in the origin's certificate; the endpoint host by default." })),
  ca: Type.Optional(PemSource),
  verify: Type.Optional(Type.Boolean({ default: true, description: "Verify the origin's certificate (against `ca`, else the system store)." })),
  clientCertificate: Type.Optional(TlsCertificate),
}, { description: "Reach this fleet's backends over TLS." });

export const HealthCheck = closed(
  {
    protocol: Type.Optional(Type.Union([Type.Literal("http"), Type.Literal("tcp")], { default: "http" })),
    path: Type.Optional(Type.String({ pattern: "^/", default: "/", description: "HTTP path probed (http checks)." })),
    expectStatus: Type.Optional(
      Type.String({ pattern: "^[1-5][0-9x]{2}(-[1-5][0-9]{2})?$", default: "200-399", description: 'Healthy statuses: "200", "2xx" or "200-399".' }),
    ),
    interval: Type.Optional(Type.String({ ...Duration, default: "5s", description: "Time between probes of one backend." })),
    timeout: Type.Optional(Type.String({ ...Duration, default: "2s", description: "How long a probe may take; must be shorter than interval." })),
    healthyThreshold: Type.Optional(Type.Integer({ minimum: 1, maximum: 20, default: 2 })),
    unhealthyThreshold: Type.Optional(Type.Integer({ minimum: 1, maximum: 20, default: 3 })),
  },
  { description: "Active health check of every backend of a fleet." },
);

export const OutlierDetection = closed(
  {
    consecutive5xx: Type.Optional(Type.Integer({ minimum: 0, default: 5, description: "Eject after this many consecutive 5xx responses; 0 disables." })),
    consecutiveConnectFailures: Type.Optional(Type.Integer({ minimum: 0, default: 3, description: "Eject after this many consecutive connect failures; 0 disables." })),
    baseEjectionTime: Type.Optional(Duration),
    maxEjectionTime: Type.Optional(Duration),
    panicThreshold: Type.Optional(
      Type.Number({ minimum: 0, maximum: 100, default: 50, description: "Percent of healthy backends below which the proxy balances across all backends, healthy or not." }),
    ),
  },
  { description: "Passive health: eject backends that fail real traffic, for an exponentially growing time." },
);

export const Endpoint = Type.Union([
  Type.String({ pattern: "^[^\\s:/]+:[0-9]{1,5}$|^\\[[0-9a-fA-F:.]+\\]:[0-9]{1,5}$", description: '"host:port" or "[ipv6]:port".' }),
  closed({
    address: Type.String({ pattern: "^[^\\s:/]+:[0-9]{1,5}$|^\\[[0-9a-fA-F:.]+\\]:[0-9]{1,5}$" }),
    weight: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000, default: 1 })),
  }),
]);

export const Fleet = closed(
  {
    image: Type.Optional(Type.String({ minLength: 1, description: "Container image of a provisioned fleet." })),
    port: Type.Optional(Port),
    replicas: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 1 })),
    endpoints: Type.Optional(Type.Array(Endpoint, { minItems: 1, description: "Existing origins, not provisioned." })),
    discovery: Type.Optional(
      closed({
        type: Type.Union([Type.Literal("static"), Type.Literal("dns")], { default: "static" }),
        refresh: Type.Optional(Duration),
      }, { description: "static: endpoints as given; dns: every A/AAAA record of each host, re-resolved on refresh." }),
    ),
    healthCheck: Type.Optional(HealthCheck),
    outlierDetection: Type.Optional(OutlierDetection),
    tls: Type.Optional(FleetTls),
    env: Type.Optional(keyedBy("^[A-Za-z_][A-Za-z0-9_]*$", EnvValue, { description: "Environment variables: a value, or { secret: <name> } for anything sensitive." })),
    command: Type.Optional(Type.Array(Type.String(), { description: "Container command override." })),
    resources: Type.Optional(closed({
      cpu: Type.Optional(Type.Integer({ enum: [256, 512, 1024, 2048, 4096], default: 256, description: "Fargate CPU units." })),
      memory: Type.Optional(Type.Integer({ minimum: 512, maximum: 30720, default: 512, description: "Memory in MiB." })),
    })),
    autoscaling: Type.Optional(closed({
      min: Type.Integer({ minimum: 0, maximum: 100 }),
      max: Type.Integer({ minimum: 1, maximum: 100 }),
      cpuTarget: Type.Optional(Type.Number({ minimum: 1, maximum: 100, default: 60 })),
    })),
    dev: Type.Optional(closed({
      command: Type.String({ minLength: 1, description: "Shell command that starts one replica; it must listen on $PORT." }),
      cwd: Type.Optional(Type.String({ description: "Working directory, relative to the spec file." })),
      env: Type.Optional(Type.Record(Type.String(), Type.String())),
    }, { description: "How `edgeform dev` runs this fleet without Docker." })),
  },
  { description: "A backend fleet: either an image with replicas (provisioned) or existing endpoints." },
);

export const Algorithms = ["round-robin", "weighted-round-robin", "least-request", "peak-ewma", "consistent-hash", "random"] as const;

export const Balancer = closed({
  algorithm: Type.Union(Algorithms.map((a) => Type.Literal(a)), { default: "round-robin" }),
  hashKey: Type.Optional(
    Type.String({
      pattern: "^(header:[A-Za-z0-9-]+|cookie:[A-Za-z0-9_.-]+|path|client-ip)$",
      description: 'consistent-hash key: "header:<name>", "cookie:<name>", "path" or "client-ip".',
    }),
  ),
  boundedLoad: Type.Optional(Type.Number({ minimum: 1, maximum: 10, description: "consistent-hash: cap each backend at this factor of the average load (e.g. 1.25)." })),
});

export const RetryConditions = ["connect-failure", "reset", "timeout", "5xx", "gateway-error", "502", "503", "504"] as const;
export const Retry = closed({
  attempts: Type.Integer({ minimum: 0, maximum: 10, description: "Retries after the first try." }),
  on: Type.Optional(
    Type.Array(Type.Union([...RetryConditions.map((c) => Type.Literal(c)), Type.Integer({ minimum: 500, maximum: 599 })]), {
      uniqueItems: true,
      description: "Conditions to retry on: connect-failure, reset, timeout, 5xx, gateway-error (502/503/504), or a status code 500-599.",
    }),
  ),
  perTryTimeout: Type.Optional(Duration),
});

export const Timeouts = closed({
  connect: Type.Optional(Duration),
  response: Type.Optional(Duration),
  idle: Type.Optional(Duration),
});

/** A service-level objective; every field a route leaves out comes from `monitoring.alerts.slo`. */
export const Slo = closed({
  availability: Type.Optional(Type.String({
    pattern: "^[0-9]{1,2}(\\.[0-9]+)?%$",
    description: 'Share of requests that must not fail (no 5xx), below 100%: "99.9%". The rest is the error budget.',
    examples: ["99.9%", "99.5%"],
  })),
  latencyP99: Type.Optional(Type.String({ ...Duration, description: "99% of requests must be answered faster than this." })),
  window: Type.Optional(Type.String({ ...Duration, default: "30d", description: "The period the objective (and its error budget) covers." })),
}, { description: "Service-level objective: multi-window, multi-burn-rate alerts page on a fast burn of the error budget and open a ticket on a slow one." });

export const Match = closed({
  host: Type.Optional(Type.String({ pattern: "^(\\*\\.)?[A-Za-z0-9.-]+(:[0-9]+)?$", description: 'Host header, exact or "*.example.com".' })),
  pathPrefix: Type.Optional(Type.String({ pattern: "^/", description: 'Path prefix, starting with "/"; "/" matches every path.' })),
  headers: Type.Optional(keyedBy("^[A-Za-z0-9-]+$", Type.String(), { description: "Request headers that must equal these values." })),
});

export const Route = closed({
  name: Type.Optional(Name),
  listeners: Type.Optional(Type.Array(Type.String(), { minItems: 1, description: "HTTP listeners this route serves; all HTTP listeners when omitted." })),
  match: Match,
  fleet: Type.String({ description: "Name of the fleet that serves this route." }),
  balancer: Type.Optional(Balancer),
  retry: Type.Optional(Retry),
  timeouts: Type.Optional(Timeouts),
  cache: Type.Optional(Type.String({ description: "Name of a cache from `caches`." })),
  cacheKey: Type.Optional(closed({
    query: Type.Optional(Type.Union([Type.Literal("keep"), Type.Literal("sort"), Type.Literal("ignore")], { default: "keep" })),
  })),
  cacheSetCookie: Type.Optional(Type.Boolean({ default: false, description: "Allow storing responses with Set-Cookie in the shared cache." })),
  slo: Type.Optional(Slo),
});

export const Listener = closed({
  name: Name,
  protocol: Type.Union([Type.Literal("http"), Type.Literal("https"), Type.Literal("tcp")]),
  port: Port,
  tls: Type.Optional(ListenerTls),
  redirectToHttps: Type.Optional(Type.String({ description: "http listeners only: answer every request with a 308 to this https listener." })),
  fleet: Type.Optional(Type.String({ description: "TCP listeners only: the fleet receiving the byte stream." })),
  balancer: Type.Optional(Balancer),
  timeouts: Type.Optional(Timeouts),
});

export const Edge = closed({
  replicas: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 1 })),
  workers: Type.Optional(Type.Integer({ minimum: 1, maximum: 64, description: "Worker processes per replica; defaults to one per CPU." })),
  listeners: Type.Array(Listener, { minItems: 1 }),
  routes: Type.Optional(Type.Array(Route)),
  trustedProxies: Type.Optional(Type.Array(Type.String({ pattern: "^[0-9a-fA-F:.]+(/[0-9]{1,3})?$" }), { description: "CIDRs whose X-Forwarded-* headers are trusted." })),
  outlierDetection: Type.Optional(OutlierDetection),
  retryBudget: Type.Optional(closed({
    ratio: Type.Number({ minimum: 0, maximum: 1, default: 0.2, description: "Retries allowed as a fraction of active requests." }),
    minPerSecond: Type.Optional(Type.Integer({ minimum: 0, default: 10 })),
  })),
  limits: Type.Optional(closed({
    headerTimeout: Type.Optional(Duration),
    requestTimeout: Type.Optional(Duration),
    maxHeaderSize: Type.Optional(Size),
    keepAliveTimeout: Type.Optional(Duration),
  })),
  admin: Type.Optional(closed({
    port: Type.Optional(Port),
    token: Type.Optional(SecretRef),
    /** When set, GET /metrics needs `Authorization: Bearer <this secret>` (it lists backend addresses). */
    metricsToken: Type.Optional(SecretRef),
  })),
  accessLog: Type.Optional(Type.Boolean({ default: true })),
});

export const Cache = closed({
  memory: Type.Optional(closed({
    maxBytes: Size,
    maxObjectSize: Type.Optional(Size),
  })),
  redis: Type.Optional(closed({
    maxMemory: Size,
    timeout: Type.Optional(Duration),
  })),
  heuristicFreshness: Type.Optional(Type.Boolean({ default: false, description: "responses without an explicit lifetime but with Last-Modified stay fresh for 10% of their age (RFC 9111 §4.2.2)" })),
  defaultStaleIfError: Type.Optional(Duration),
});

const LabelMatch = keyedBy("^[a-zA-Z_][a-zA-Z0-9_]*$", Type.String(), { description: "Alert labels that must equal these values." });

const alertRouteFields = {
  receiver: Type.Optional(Type.String({ description: "Name of a receiver from `alertmanager.receivers`; inherited from the parent route when left out." })),
  match: Type.Optional(LabelMatch),
  groupBy: Type.Optional(Type.Array(Type.String(), { uniqueItems: true, description: "Labels that split notifications into groups, e.g. [alertname, route]." })),
  groupWait: Type.Optional(Duration),
  groupInterval: Type.Optional(Duration),
  repeatInterval: Type.Optional(Duration),
  continue: Type.Optional(Type.Boolean({ default: false, description: "Keep matching the sibling routes after this one matched." })),
};
// Three levels (root, child, grandchild) cover real routing trees without a recursive schema.
const AlertLeafRoute = closed(alertRouteFields);
const AlertChildRoute = closed({ ...alertRouteFields, routes: Type.Optional(Type.Array(AlertLeafRoute)) });
const AlertRootRoute = closed({
  receiver: Type.String({ description: "The receiver of every alert no child route takes." }),
  groupBy: alertRouteFields.groupBy,
  groupWait: alertRouteFields.groupWait,
  groupInterval: alertRouteFields.groupInterval,
  repeatInterval: alertRouteFields.repeatInterval,
  routes: Type.Optional(Type.Array(AlertChildRoute)),
}, { description: "The routing tree: the first matching child route (depth first) picks the receiver." });

export const AlertReceiver = closed({
  pagerduty: Type.Optional(closed({ routingKey: SecretRef }, { description: "PagerDuty Events API v2." })),
  slack: Type.Optional(closed({
    webhookUrl: SecretRef,
    channel: Type.Optional(Type.String({ description: 'Channel such as "#cdn"; the webhook\'s own channel when left out.' })),
  })),
  email: Type.Optional(closed({
    to: Type.String({ pattern: "^[^@\\s]+@[^@\\s]+$" }),
    from: Type.Optional(Type.String({ pattern: "^[^@\\s]+@[^@\\s]+$", description: "Sender; alertmanager@<the domain of to> when left out." })),
    smarthost: Type.String({ pattern: "^[^\\s:/]+:[0-9]{1,5}$", description: '"host:port" of the SMTP server.' }),
    authUsername: Type.Optional(Type.String({ description: "SMTP user; the sender address when left out." })),
    authPassword: Type.Optional(SecretRef),
    requireTls: Type.Optional(Type.Boolean({ default: true })),
  })),
  webhook: Type.Optional(closed({
    url: Type.String({ pattern: "^https?://[^\\s]+$", description: "Where Alertmanager POSTs its JSON notifications." }),
    bearerToken: Type.Optional(SecretRef),
  })),
}, { minProperties: 1, description: "Where notifications go: one or more of pagerduty, slack, email, webhook. Credentials only as { secret: <name> }." });

export const Alertmanager = closed({
  enabled: Type.Optional(Type.Boolean({ default: true })),
  receivers: keyedBy(ENTRY_NAME_PATTERN, AlertReceiver, { minProperties: 1, description: "Receivers by name." }),
  route: AlertRootRoute,
  inhibit: Type.Optional(Type.Array(closed({
    source: LabelMatch,
    target: LabelMatch,
    equal: Type.Optional(Type.Array(Type.String(), { uniqueItems: true })),
  }, { description: "While an alert matching source fires, mute alerts matching target that share the `equal` labels." }))),
}, { description: "Alert delivery: Alertmanager with receivers and a routing tree, on every target." });

export const Monitoring = closed({
  prometheus: Type.Optional(closed({
    enabled: Type.Optional(Type.Boolean({ default: true })),
    scrapeInterval: Type.Optional(Duration),
    retention: Type.Optional(Duration),
  })),
  grafana: Type.Optional(closed({
    enabled: Type.Optional(Type.Boolean({ default: true })),
    adminPassword: SecretRef,
  })),
  alerts: Type.Optional(closed({
    edge5xxRatio: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    backendDownFor: Type.Optional(Duration),
    p99LatencyAbove: Type.Optional(Duration),
    cacheErrorsPerSecond: Type.Optional(Type.Number({ minimum: 0 })),
    slo: Type.Optional(Slo),
  })),
  alertmanager: Type.Optional(Alertmanager),
});

const Images = closed({
  edge: Type.Optional(Type.String()),
  redis: Type.Optional(Type.String()),
  prometheus: Type.Optional(Type.String()),
  grafana: Type.Optional(Type.String()),
  alertmanager: Type.Optional(Type.String()),
  fleets: Type.Optional(Type.Record(Type.String(), Type.String())),
  base: Type.Optional(Type.String({
    description: "BASE_IMAGE of the images edgeform builds (the edge proxy, the demo origin): any image with Node.js 22 as `node`. Pin it by digest (node:22-bookworm-slim@sha256:…) for reproducible builds.",
  })),
}, { description: "Image overrides, e.g. for an air-gapped registry." });

export const DockerTarget = closed({
  provider: Type.Literal("docker"),
  publishPort: Type.Optional(Port),
  publishAddress: Type.Optional(Type.String({
    pattern: "^(?:(?:25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])\\.){3}(?:25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])$|^[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*$",
    default: "127.0.0.1",
    description: "Host address the edge's listeners are published on (default 127.0.0.1, this machine only); 0.0.0.0 publishes them on every interface.",
  })),
  healthTimeout: Type.Optional(Type.String({
    pattern: DURATION_PATTERN,
    description: "How long `up` waits for each container to turn healthy before it fails and shows the container's last log lines (default 2m).",
  })),
  network: Type.Optional(Type.String()),
  images: Type.Optional(Images),
  tags: Type.Optional(Type.Record(Type.String(), Type.String())),
});

export const AwsTarget = closed({
  provider: Type.Literal("aws"),
  region: Type.String(),
  cdn: Type.Optional(closed({
    enabled: Type.Optional(Type.Boolean({ default: true })),
    priceClass: Type.Optional(Type.Union([Type.Literal("PriceClass_100"), Type.Literal("PriceClass_200"), Type.Literal("PriceClass_All")])),
    aliases: Type.Optional(Type.Array(Type.String())),
    certificateArn: Type.Optional(Type.String()),
  })),
  loadBalancer: Type.Optional(closed({
    certificateArn: Type.Optional(Type.String({ description: "ACM certificate (in the target's region) for the ALB's HTTPS listener; HTTP then redirects to HTTPS." })),
    domainName: Type.Optional(Type.String({ description: "The name the certificate covers, pointed (CNAME/alias) at the ALB: CloudFront reaches the origin by it over HTTPS." })),
    idleTimeout: Type.Optional(Duration),
  }, { description: "The public Application Load Balancer of the edge." })),
  grafana: Type.Optional(closed({
    public: closed({
      allowedCidrs: Type.Array(Type.String(), { minItems: 1, description: "Client networks allowed to reach Grafana over HTTPS (port 3000)." }),
    }),
  }, { description: "Self-hosted Grafana is private (inside the VPC) unless `public` is given; public access needs loadBalancer.certificateArn." })),
  managedGrafana: Type.Optional(closed({
    authentication: Type.Union([Type.Literal("AWS_SSO"), Type.Literal("SAML")], { description: "How users sign in to Amazon Managed Grafana: IAM Identity Center (enabled in the account) or a SAML identity provider." }),
  })),
  fleetTaskRoleArn: Type.Optional(Type.String({ description: "IAM role the fleets' tasks run as (escape hatch: their own AWS permissions)." })),
  vpcId: Type.Optional(Type.String()),
  publicSubnetIds: Type.Optional(Type.Array(Type.String())),
  privateSubnetIds: Type.Optional(Type.Array(Type.String())),
  clusterArn: Type.Optional(Type.String()),
  managedMonitoring: Type.Optional(Type.Boolean({ default: false, description: "Use Amazon Managed Prometheus and Managed Grafana." })),
  images: Type.Optional(Images),
  tags: Type.Optional(Type.Record(Type.String(), Type.String())),
});

export const Target = Type.Union([DockerTarget, AwsTarget]);

export const TopologySchema = closed(
  {
    $schema: Type.Optional(Type.String()),
    version: Type.Literal(1),
    name: Name,
    fleets: keyedBy(ENTRY_NAME_PATTERN, Fleet, { minProperties: 1, description: "Backend fleets by name (lower-case letters, digits and dashes)." }),
    edge: Edge,
    caches: Type.Optional(keyedBy(ENTRY_NAME_PATTERN, Cache, { description: "Cache tiers by name." })),
    monitoring: Type.Optional(Monitoring),
    targets: Type.Optional(keyedBy(ENTRY_NAME_PATTERN, Target, { description: "Where the topology can be provisioned, by name; \"dev\" (this machine) always exists." })),
  },
  {
    $id: SCHEMA_ID,
    title: "edgeform topology",
    description: "A CDN / load-balancer topology: backend fleets, an edge proxy tier, cache tiers and monitoring.",
  },
);

/** The JSON Schema document as published (TypeBox symbols stripped). */
export function topologyJsonSchema(): Record<string, unknown> {
  const doc = JSON.parse(JSON.stringify(TopologySchema)) as Record<string, unknown>;
  return { $schema: "http://json-schema.org/draft-07/schema#", ...doc };
}

export type { TSchema };
