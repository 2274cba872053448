/**
 * AWS names and settings of a plan. Every physical name carries the stack
 * (`<topology>-<stack>`), so a staging and a prod stack of one spec in one
 * account never collide; names AWS keys on a listener's port (target groups)
 * carry a hash of it, so a replacement is created under a new name before the
 * old one goes. Components read these names; none invents one.
 */
import type { AwsTargetSpec, Topology } from "../spec/types.js";
import { ms } from "../spec/units.js";
import { Defaults } from "./defaults.js";
import { awsDiscoveryNames } from "./monitoring/files.js";
import { NameLimits, resourceName, shortHash } from "./naming.js";
import type { PlannedAlbListener, PlannedAws, PlannedListener } from "./types.js";

/** Cloud Map names edgeform gives its own services; a fleet may not take one. */
export const RESERVED_FLEET_NAMES = ["edgeform-edge", "edgeform-prometheus", "edgeform-grafana", "edgeform-alertmanager"] as const;

/** Header CloudFront adds to every origin request; the ALB forwards only requests that carry the secret value. */
export const ORIGIN_VERIFY_HEADER = "X-Edgeform-Origin-Verify";

/** Port of the ALB's HTTPS listener for the first HTTP listener (and CloudFront's origin port). */
export const HTTPS_PORT = 443;
export const HTTP_PORT = 80;

/**
 * The stack part of AWS names: the Pulumi stack name without a leading
 * `<topology>-` (edgeform names its stacks `<topology>-<target>`), so the
 * default stack of target "prod" gives `shop-prod-…`.
 */
export function stackQualifier(topology: string, target: string, stack: string | undefined): string {
  const name = stack ?? `${topology}-${target}`;
  return name.startsWith(`${topology}-`) && name.length > topology.length + 1 ? name.slice(topology.length + 1) : name;
}

export function awsPrefix(topology: string, target: string, stack: string | undefined): string {
  return resourceName([topology, stackQualifier(topology, target, stack)]);
}

/** Whether the target puts CloudFront in front of the edge. */
export function awsCdnEnabled(spec: AwsTargetSpec): boolean {
  return spec.cdn !== undefined && spec.cdn.enabled !== false;
}

/** The ALB's idle timeout (seconds); the proxy's keep-alive must outlast it. */
export function albIdleTimeoutMs(spec: AwsTargetSpec): number {
  return ms(spec.loadBalancer?.idleTimeout ?? Defaults.aws.albIdleTimeout);
}

/**
 * The proxy's client keep-alive on AWS: what the spec says, else the ALB idle
 * timeout plus a margin, so the ALB always closes an idle connection first
 * (otherwise it may send a request on a connection the proxy is closing: a 502).
 */
export function awsKeepAliveMs(topology: Topology, spec: AwsTargetSpec): number {
  const given = topology.edge.limits?.keepAliveTimeout;
  return given !== undefined ? ms(given) : albIdleTimeoutMs(spec) + ms(Defaults.aws.keepAliveMargin);
}

export function planAws(topology: Topology, targetName: string, spec: AwsTargetSpec, stack: string | undefined, listeners: PlannedListener[]): PlannedAws {
  const prefix = awsPrefix(topology.name, targetName, stack);
  const lb = (...parts: Array<string | number>) => resourceName([prefix, ...parts], NameLimits.awsLoadBalancer);
  const http = listeners.filter((l) => l.protocol === "http");
  const https = spec.loadBalancer?.certificateArn !== undefined;
  const cdn = awsCdnEnabled(spec);
  const albListeners: PlannedAlbListener[] = http.map((l, i) => ({
    listener: l.name,
    // The first HTTP listener is the public entry: 443 with a certificate, else its own port.
    port: https && i === 0 ? HTTPS_PORT : l.port,
    protocol: https ? "HTTPS" : "HTTP",
  }));
  const targetGroups: Record<string, string> = {};
  for (const l of listeners) {
    // The port and protocol are in the hash: changing them replaces the group under a new name.
    targetGroups[l.name] = lb(l.name, shortHash(`${l.protocol}:${l.port}`, 4));
  }
  const grafanaPort = Defaults.grafana.port;
  const plan: PlannedAws = {
    prefix,
    namespace: awsDiscoveryNames(prefix).namespace,
    logGroup: `/edgeform/${prefix}`,
    secretPrefix: `edgeform/${prefix}/`,
    ecrRepository: resourceName([prefix, "edge"]),
    alb: lb("alb"),
    nlb: lb("nlb"),
    targetGroups,
    grafanaTargetGroup: lb("grafana", shortHash(`http:${grafanaPort}`, 4)),
    cdnCachePolicy: resourceName([prefix, "edge-cache"], 128),
    cdnOriginRequestPolicy: resourceName([prefix, "edge-origin"], 128),
    replicationGroups: Object.fromEntries(Object.keys(topology.caches ?? {}).map((c) => [c, replicationGroupId(prefix, c)])),
    managedPrometheus: `edgeform-${prefix}`,
    managedGrafana: `edgeform-${prefix}`,
    albListeners,
    redirectHttpToHttps: https && !cdn,
    albIdleTimeoutSeconds: Math.round(albIdleTimeoutMs(spec) / 1000),
    cdn,
  };
  if (spec.loadBalancer?.certificateArn !== undefined) plan.certificateArn = spec.loadBalancer.certificateArn;
  if (spec.loadBalancer?.domainName !== undefined) plan.originDomainName = spec.loadBalancer.domainName;
  return plan;
}

export function replicationGroupId(prefix: string, cache: string): string {
  return resourceName([prefix, cache], NameLimits.awsElastiCache);
}

/** Every physical name of an AWS plan, for checks that two stacks share none. */
export function awsPhysicalNames(aws: PlannedAws, resourceNames: string[]): string[] {
  return [
    aws.namespace, aws.logGroup, aws.secretPrefix, aws.ecrRepository, aws.alb, aws.nlb, aws.grafanaTargetGroup,
    aws.cdnCachePolicy, aws.cdnOriginRequestPolicy, aws.managedPrometheus, aws.managedGrafana,
    ...Object.values(aws.targetGroups), ...Object.values(aws.replicationGroups), ...resourceNames,
  ];
}
