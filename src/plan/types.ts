/**
 * DeploymentPlan: a topology resolved for one target. Every name, port,
 * replica, address and generated config is decided here, so the docker, aws
 * and dev paths cannot disagree about what a spec means.
 */
import type { AwsTargetSpec, DockerTargetSpec, SecretRefSpec } from "../spec/types.js";
import type { HealthCheckConfig, ProxyRuntimeConfig } from "./proxy-config.js";
import type { PlannedTlsFile } from "./tls-files.js";

export type Provider = "docker" | "aws" | "dev";

export type PlannedTarget =
  | { name: string; provider: "docker"; spec: DockerTargetSpec }
  | { name: string; provider: "aws"; spec: AwsTargetSpec }
  | { name: string; provider: "dev"; spec: undefined };

export interface PlannedEnvValue {
  value?: string;
  /** Read from a secret (Pulumi secret config / EDGEFORM_SECRET_<NAME>). */
  secret?: string;
}

export interface PlannedFleet {
  name: string;
  /** Base name for this fleet's resources, e.g. "shop-api". */
  resourceName: string;
  kind: "provisioned" | "external";
  /** Provisioned fleets: the image (after target overrides). */
  image?: string;
  /** Port the backend listens on (provisioned fleets). */
  port?: number;
  replicas: number;
  /** Per-replica names (provisioned fleets), e.g. "shop-api-0". */
  replicaNames: string[];
  /**
   * DNS name the proxy resolves to find every replica: the shared Docker
   * network alias, or the Cloud Map name on AWS. Undefined for dev and external fleets.
   */
  serviceHost?: string;
  env: Record<string, PlannedEnvValue>;
  command?: string[];
  healthCheck?: HealthCheckConfig;
  resources: { cpu: number; memoryMiB: number };
  autoscaling?: { min: number; max: number; cpuTarget: number };
  dev?: { command: string; cwd?: string; env: Record<string, string> };
}

export interface PlannedListener {
  name: string;
  protocol: "http" | "tcp";
  /** An https listener: HTTP behind TLS termination (protocol stays "http" for routing). */
  tls?: true;
  /** Port inside the proxy container / process. */
  port: number;
  /** Docker: host port per edge replica (replica i → publishedPorts[i]). */
  publishedPorts: number[];
}

export interface PlannedEdge {
  resourceName: string;
  /** Image to run; built from images/edge-proxy.Dockerfile unless overridden. */
  image?: string;
  replicas: number;
  replicaNames: string[];
  workers?: number;
  listeners: PlannedListener[];
  adminPort: number;
  /** Secrets the proxy needs in its environment: env var → secret name. */
  secretEnv: Record<string, string>;
  /** Docker: the certificates, keys and CA bundles uploaded into every edge container (empty elsewhere). */
  tlsFiles: PlannedTlsFile[];
}

export interface PlannedCache {
  name: string;
  resourceName: string;
  memoryMaxBytes: number;
  redis?: {
    host: string;
    port: number;
    maxMemoryBytes: number;
    /** redis-server --maxmemory-policy */
    evictionPolicy: "allkeys-lru";
    /** AWS: the ElastiCache replication group id. */
    replicationGroupId?: string;
  };
}

/** A node of Alertmanager's routing tree, with what it inherits from its parent filled in. */
export interface PlannedAlertRoute {
  receiver: string;
  /** Labels an alert must carry (equal values); empty on the root, which takes everything. */
  matchers: Record<string, string>;
  continue: boolean;
  groupBy: string[];
  groupWaitMs: number;
  groupIntervalMs: number;
  repeatIntervalMs: number;
  routes: PlannedAlertRoute[];
}

export interface PlannedAlertmanager {
  resourceName: string;
  image?: string;
  port: number;
  /** Generated alertmanager.yml; it holds no secret, only the paths of the files that do. */
  configYaml: string;
  /** Each secret the config reads, and the file Alertmanager reads it from (relative to its working directory on dev). */
  secretFiles: Array<{ secret: string; path: string }>;
  route: PlannedAlertRoute;
  /** Receivers and their integrations (managed monitoring delivers through SNS: email and plain webhooks subscribe to it). */
  receivers: Array<{ name: string; integrations: Array<"pagerduty" | "slack" | "email" | "webhook">; email?: string; webhookUrl?: string }>;
}

export interface PlannedMonitoring {
  prometheus?: {
    resourceName: string;
    image?: string;
    port: number;
    scrapeIntervalMs: number;
    retentionMs: number;
    /** Where the proxy admin endpoints are scraped: host:port per edge replica. */
    scrapeTargets: string[];
    /** Generated files: prometheus.yml and the alert rule file. */
    configYaml: string;
    rulesYaml: string;
    /**
     * Files prometheus.yml reads secrets from (the edge's /metrics bearer token), one per secret,
     * filled from the target's secret store; relative paths (dev) are relative to prometheus.yml.
     */
    secretFiles: Array<{ secret: string; path: string }>;
  };
  grafana?: {
    resourceName: string;
    image?: string;
    port: number;
    adminPassword: SecretRefSpec;
    datasourceYaml: string;
    dashboardProviderYaml: string;
    dashboardJson: string;
  };
  alertmanager?: PlannedAlertmanager;
}

/** An ALB listener in front of an HTTP edge listener. */
export interface PlannedAlbListener {
  /** The edge listener it forwards to. */
  listener: string;
  port: number;
  protocol: "HTTP" | "HTTPS";
}

/** AWS physical names and load-balancer settings (aws targets only). */
export interface PlannedAws {
  /** `<topology>-<stack>`: the start of every physical name. */
  prefix: string;
  /** Cloud Map private DNS namespace. */
  namespace: string;
  logGroup: string;
  /** Secrets Manager names: `<secretPrefix><secret name>`. */
  secretPrefix: string;
  ecrRepository: string;
  alb: string;
  nlb: string;
  /** Edge listener name → target group name (carries a hash of port and protocol). */
  targetGroups: Record<string, string>;
  grafanaTargetGroup: string;
  cdnCachePolicy: string;
  cdnOriginRequestPolicy: string;
  /** Cache name → ElastiCache replication group id. */
  replicationGroups: Record<string, string>;
  managedPrometheus: string;
  managedGrafana: string;
  albListeners: PlannedAlbListener[];
  /** An extra port-80 listener that answers 301 to HTTPS (with a certificate, without a CDN). */
  redirectHttpToHttps: boolean;
  albIdleTimeoutSeconds: number;
  /** ACM certificate of the ALB's HTTPS listeners. */
  certificateArn?: string;
  /** The name the certificate covers, pointed at the ALB: CloudFront's origin. */
  originDomainName?: string;
  cdn: boolean;
}

export interface DeploymentPlan {
  name: string;
  target: PlannedTarget;
  /** AWS names and load-balancer settings; only for aws targets. */
  aws?: PlannedAws;
  /** Docker network / name prefix shared by every resource. */
  network: string;
  fleets: PlannedFleet[];
  edge: PlannedEdge;
  caches: PlannedCache[];
  monitoring: PlannedMonitoring;
  proxyConfig: ProxyRuntimeConfig;
  /** Every secret name the topology references. */
  secrets: string[];
  /** Tags for every taggable resource (target tags plus edgeform's own). */
  tags: Record<string, string>;
}
