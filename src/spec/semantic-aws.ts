/**
 * What an AWS target can deploy, checked at `validate` time so that nothing a
 * component or AWS would reject during `pulumi up` gets that far: the origin
 * behind CloudFront is reached over HTTPS, public Grafana needs HTTPS, the
 * proxy's keep-alive outlasts the ALB's idle timeout, Fargate and ElastiCache
 * sizes exist, fleet names do not take edgeform's own Cloud Map names.
 */
import { RESERVED_FLEET_NAMES } from "../plan/aws.js";
import { fargateSizeProblem, nodeTypeFor } from "../plan/aws-sizes.js";
import { Defaults } from "../plan/defaults.js";
import { edge, isObj, listeners, objEntries, str, type Ctx, type Doc, type Obj, type Rule } from "./semantic-shared.js";
import { formatDuration, parseDuration, parseSize } from "./units.js";

/** Any target: edgeform's own discovery names are not fleet names (Cloud Map on AWS, kept uniform everywhere). */
export const reservedFleetNames: Rule = (doc, ctx) => {
  for (const [name] of objEntries(doc["fleets"])) {
    if ((RESERVED_FLEET_NAMES as readonly string[]).includes(name)) {
      ctx.report("EF_SPEC_RESERVED_NAME", ["fleets", name], `fleet name "${name}" is reserved for edgeform's own service discovery`, {
        part: "key",
        suggestion: `rename the fleet (names starting with "edgeform-" are edgeform's)`,
      });
    }
  }
};

export function awsTargetRules(doc: Doc, ctx: Ctx, name: string, t: Obj): void {
  const at = (...path: string[]) => ["targets", name, ...path];
  const lb = isObj(t["loadBalancer"]) ? t["loadBalancer"] : {};
  const certificate = str(lb["certificateArn"]);
  const cdn = isObj(t["cdn"]) && t["cdn"]["enabled"] !== false;
  const httpListeners = listeners(doc).filter((l) => isObj(l) && l["protocol"] === "http");

  if (cdn && httpListeners.length === 0) {
    ctx.report("EF_SPEC_TARGET", at("cdn"), `target "${name}" puts CloudFront in front of the edge, but the edge has no http listener for it to reach`, {
      part: "key",
      suggestion: "add an http listener under edge.listeners, or set `cdn: { enabled: false }`",
    });
  }
  if (cdn && httpListeners.length > 0 && (certificate === undefined || str(lb["domainName"]) === undefined)) {
    ctx.report("EF_SPEC_AWS_HTTPS", at(...(isObj(t["loadBalancer"]) ? ["loadBalancer"] : ["cdn"])), `CloudFront reaches the edge over HTTPS only, so target "${name}" needs loadBalancer.certificateArn and loadBalancer.domainName`, {
      part: "key",
      suggestion: "add `loadBalancer: { certificateArn: <ACM certificate in the target's region>, domainName: <a name it covers, pointed at the ALB> }`",
    });
  }
  if (!cdn && certificate === undefined && httpListeners.length > 0) {
    ctx.report("EF_SPEC_AWS_HTTPS", ["targets", name], `target "${name}" serves plain HTTP on the public load balancer`, {
      part: "key",
      severity: "warning",
      suggestion: "add `loadBalancer: { certificateArn: … }` for HTTPS (HTTP then redirects to it)",
    });
  }
  const grafana = isObj(t["grafana"]) ? t["grafana"] : undefined;
  if (grafana && isObj(grafana["public"]) && certificate === undefined) {
    ctx.report("EF_SPEC_AWS_HTTPS", at("grafana", "public"), "public Grafana is served over HTTPS only, and the target has no certificate", {
      part: "key",
      suggestion: "add `loadBalancer: { certificateArn: … }`, or remove `grafana.public` to keep Grafana private",
    });
  }
  if (grafana && isObj(grafana["public"]) && t["managedMonitoring"] === true) {
    ctx.report("EF_SPEC_TARGET", at("grafana", "public"), "grafana.public applies to self-hosted Grafana; Managed Grafana has its own endpoint", { part: "key", suggestion: "remove `grafana.public`, or set managedMonitoring: false" });
  }
  if (t["managedMonitoring"] === true && isObj(doc["monitoring"]) && isObj(doc["monitoring"]["grafana"]) && !isObj(t["managedGrafana"])) {
    ctx.report("EF_SPEC_TARGET", at("managedMonitoring"), "Managed Grafana signs users in through IAM Identity Center by default, which must be enabled in the account", {
      severity: "warning",
      suggestion: "say how users sign in: `managedGrafana: { authentication: AWS_SSO }` (IAM Identity Center) or `SAML`",
    });
  }
  if (t["vpcId"] !== undefined && (t["publicSubnetIds"] === undefined || t["privateSubnetIds"] === undefined)) {
    ctx.report("EF_SPEC_TARGET", at("vpcId"), `an existing VPC needs publicSubnetIds and privateSubnetIds too (load balancers go in the public subnets, tasks in the private ones)`, { part: "key", suggestion: "add both subnet lists, or remove vpcId to create a VPC" });
  }
  keepAliveOutlastsAlb(doc, ctx, name, lb);
  awsSizes(doc, ctx, name);
}

/** The proxy must keep idle client connections open longer than the ALB does, or clients see 502s. */
function keepAliveOutlastsAlb(doc: Doc, ctx: Ctx, name: string, lb: Obj): void {
  const limits = isObj(edge(doc)["limits"]) ? (edge(doc)["limits"] as Obj) : {};
  const keepAlive = typeof limits["keepAliveTimeout"] === "string" ? parseDuration(limits["keepAliveTimeout"]) : undefined;
  const idle = parseDuration(typeof lb["idleTimeout"] === "string" ? lb["idleTimeout"] : Defaults.aws.albIdleTimeout);
  if (keepAlive !== undefined && idle !== undefined && keepAlive <= idle) {
    ctx.report("EF_SPEC_AWS_KEEPALIVE", ["edge", "limits", "keepAliveTimeout"], `on target "${name}" the ALB keeps idle connections ${formatDuration(idle)}, and the proxy only ${formatDuration(keepAlive)}: the ALB would reuse connections the proxy is closing (intermittent 502s)`, {
      suggestion: `set edge.limits.keepAliveTimeout above ${formatDuration(idle)} (or leave it out: on AWS it defaults to the idle timeout + ${Defaults.aws.keepAliveMargin})`,
    });
  }
}

function awsSizes(doc: Doc, ctx: Ctx, name: string): void {
  for (const [fleet, spec] of objEntries(doc["fleets"])) {
    if (spec["image"] === undefined) continue;
    const resources = isObj(spec["resources"]) ? spec["resources"] : {};
    const cpu = typeof resources["cpu"] === "number" ? resources["cpu"] : Defaults.fleetResources.cpu;
    const memory = typeof resources["memory"] === "number" ? resources["memory"] : Defaults.fleetResources.memoryMiB;
    const problem = fargateSizeProblem(cpu, memory);
    if (problem) {
      ctx.report("EF_SPEC_AWS_SIZE", ["fleets", fleet, ...(isObj(spec["resources"]) ? ["resources"] : [])], `fleet "${fleet}" cannot run on target "${name}": ${problem}`, {
        part: "key",
        suggestion: "change resources.cpu / resources.memory to a Fargate size",
      });
    }
  }
  for (const [cache, spec] of objEntries(doc["caches"])) {
    const redis = isObj(spec["redis"]) ? spec["redis"] : undefined;
    const max = redis && typeof redis["maxMemory"] === "string" ? parseSize(redis["maxMemory"]) : undefined;
    if (max !== undefined && nodeTypeFor(max) === undefined) {
      ctx.report("EF_SPEC_AWS_SIZE", ["caches", cache, "redis", "maxMemory"], `cache "${cache}" asks for more memory than one ElastiCache node holds (target "${name}")`, {
        suggestion: "lower redis.maxMemory (at most about 79GiB)",
      });
    }
  }
}
