/**
 * Alert rules: the Alertmanager routing tree names only defined receivers,
 * and its matchers, groupBy and inhibit rules use only labels (and values)
 * that edgeform's generated alerts set; SLO objectives must be measurable
 * with the proxy's latency histogram.
 */
import { AlertLabels, GROUP_BY_ALL, LATENCY_BUCKETS_SECONDS } from "./alert-labels.js";
import type { PathSegment } from "./diagnostics.js";
import { isObj, list, objEntries, routes, str, unknownRef, type Ctx, type Obj, type Rule } from "./semantic-shared.js";
import { suggest } from "./suggest.js";
import { formatDuration, parseDuration } from "./units.js";

export const alertRules: Rule = (doc, ctx) => {
  const m = doc["monitoring"];
  if (!isObj(m)) return;
  const alerts = isObj(m["alerts"]) ? m["alerts"] : {};
  sloRules(ctx, alerts["slo"], ["monitoring", "alerts", "slo"]);
  routes(doc).forEach((r, i) => {
    if (isObj(r)) sloRules(ctx, r["slo"], ["edge", "routes", i, "slo"]);
  });
  const am = m["alertmanager"];
  if (!isObj(am)) return;
  const prometheus = m["prometheus"];
  if (isObj(prometheus) && prometheus["enabled"] === false && !isObj(m["grafana"])) {
    ctx.report("EF_SPEC_ALERT_ROUTE", ["monitoring", "alertmanager"], "alertmanager has nothing to deliver: Prometheus, which evaluates the alert rules, is disabled", {
      severity: "warning",
      part: "key",
      suggestion: "remove `prometheus: { enabled: false }`, or remove `alertmanager`",
    });
  }
  const receivers = isObj(am["receivers"]) ? Object.keys(am["receivers"]) : undefined;
  const used = new Set<string>();
  const route = am["route"];
  if (isObj(route)) routeTree(ctx, route, ["monitoring", "alertmanager", "route"], receivers, used);
  list(am["inhibit"]).forEach((rule, i) => {
    if (!isObj(rule)) return;
    const at: PathSegment[] = ["monitoring", "alertmanager", "inhibit", i];
    matchers(ctx, rule["source"], [...at, "source"]);
    matchers(ctx, rule["target"], [...at, "target"]);
    list(rule["equal"]).forEach((label, j) => {
      if (typeof label === "string") labelName(ctx, label, [...at, "equal", j], "value");
    });
  });
  managedDelivery(doc, ctx, am);
  for (const [name] of objEntries(am["receivers"])) {
    if (receivers && !used.has(name)) {
      ctx.report("EF_SPEC_ALERT_ROUTE", ["monitoring", "alertmanager", "receivers", name], `receiver "${name}" is not used by any route, so it never gets a notification`, {
        severity: "warning",
        part: "key",
        suggestion: `route alerts to it, e.g. \`routes: [{ match: { severity: page }, receiver: ${name} }]\`, or remove it`,
      });
    }
  }
};

function routeTree(ctx: Ctx, route: Obj, at: PathSegment[], receivers: string[] | undefined, used: Set<string>): void {
  const receiver = str(route["receiver"]);
  if (receiver !== undefined) {
    used.add(receiver);
    if (receivers && !receivers.includes(receiver)) unknownReceiver(ctx, receiver, receivers, [...at, "receiver"]);
  }
  matchers(ctx, route["match"], [...at, "match"]);
  list(route["groupBy"]).forEach((label, j) => {
    if (typeof label === "string" && label !== GROUP_BY_ALL) labelName(ctx, label, [...at, "groupBy", j], "value");
  });
  list(route["routes"]).forEach((child, i) => {
    if (isObj(child)) routeTree(ctx, child, [...at, "routes", i], receivers, used);
  });
}

function unknownReceiver(ctx: Ctx, name: string, known: string[], path: PathSegment[]): void {
  unknownRef(ctx, "EF_SPEC_UNKNOWN_RECEIVER", "receiver", name, known, path);
}

/** A `{ label: value }` matcher: each label set by a generated alert, each value one it can take. */
function matchers(ctx: Ctx, match: unknown, at: PathSegment[]): void {
  if (!isObj(match)) return;
  for (const [label, value] of Object.entries(match)) {
    if (!labelName(ctx, label, [...at, label], "key") || typeof value !== "string") continue;
    const values = AlertLabels[label];
    if (values && !values.includes(value)) {
      const guess = suggest(value, values) ?? values.find((v) => v === `Edgeform${value}`);
      ctx.report("EF_SPEC_ALERT_LABEL", [...at, label], `no generated alert has ${label}="${value}", so this matcher never matches`, {
        suggestion: guess ? `did you mean "${guess}"?` : `${label} is one of: ${values.join(", ")}`,
      });
    }
  }
}

function labelName(ctx: Ctx, label: string, path: PathSegment[], part: "key" | "value"): boolean {
  if (label in AlertLabels) return true;
  const known = Object.keys(AlertLabels);
  const guess = suggest(label, known);
  ctx.report("EF_SPEC_ALERT_LABEL", path, `no generated alert sets the label "${label}"`, {
    part,
    suggestion: guess ? `did you mean "${guess}"?` : `the labels edgeform's alerts set: ${known.join(", ")}`,
  });
  return false;
}

function sloRules(ctx: Ctx, slo: unknown, at: PathSegment[]): void {
  if (!isObj(slo)) return;
  const latency = str(slo["latencyP99"]);
  const latencyMs = latency === undefined ? undefined : parseDuration(latency);
  const lowest = LATENCY_BUCKETS_SECONDS[0]! * 1000;
  const highest = LATENCY_BUCKETS_SECONDS.at(-1)! * 1000;
  if (latencyMs !== undefined && (latencyMs < lowest || latencyMs > highest)) {
    ctx.report("EF_SPEC_SLO", [...at, "latencyP99"], `latencyP99 ${latency} is outside what the proxy's latency histogram measures (${formatDuration(lowest)} to ${formatDuration(highest)})`, {
      suggestion: `pick a threshold between ${formatDuration(lowest)} and ${formatDuration(highest)}`,
    });
  }
  const availability = str(slo["availability"]);
  if (availability !== undefined && /^[0-9.]+%$/.test(availability) && Number(availability.slice(0, -1)) <= 0) {
    ctx.report("EF_SPEC_SLO", [...at, "availability"], `availability ${availability} leaves the whole traffic as error budget`, { suggestion: 'use a target such as "99.9%"' });
  }
  const window = str(slo["window"]);
  const windowMs = window === undefined ? undefined : parseDuration(window);
  if (windowMs !== undefined && windowMs < 3 * 86_400_000) {
    ctx.report("EF_SPEC_SLO", [...at, "window"], `an SLO window of ${window} is shorter than the slowest burn-rate alert's own 3d window`, { suggestion: "use a window of at least 3d, typically 28d or 30d" });
  }
}

/**
 * Amazon Managed Prometheus delivers alerts only to SNS: email and plain
 * webhooks are subscribed to the topic, PagerDuty and Slack need an
 * integration subscribed by hand (PagerDuty's SNS endpoint, AWS Chatbot).
 */
function managedDelivery(doc: Obj, ctx: Ctx, am: Obj): void {
  const bySns = objEntries(am["receivers"]).filter(([, r]) => r["pagerduty"] !== undefined || r["slack"] !== undefined || (isObj(r["webhook"]) && r["webhook"]["bearerToken"] !== undefined)).map(([name]) => name);
  if (bySns.length === 0) return;
  for (const [target, t] of objEntries(doc["targets"])) {
    if (t["provider"] !== "aws" || t["managedMonitoring"] !== true) continue;
    ctx.report("EF_SPEC_ALERT_ROUTE", ["targets", target, "managedMonitoring"], `with managed monitoring, alerts for receiver${bySns.length > 1 ? "s" : ""} ${bySns.map((n) => `"${n}"`).join(", ")} reach only the SNS topic edgeform-${str(doc["name"]) ?? "<name>"}-alerts: Amazon Managed Prometheus cannot call PagerDuty, Slack or authenticated webhooks`, {
      severity: "warning",
      part: "key",
      suggestion: "subscribe the integration to the topic (PagerDuty's Amazon SNS integration, AWS Chatbot for Slack), or use self-hosted monitoring",
    });
  }
}
