/**
 * Semantic rules: what the JSON Schema cannot express (references between
 * sections, clashes, shadowed routes, target rules). Rules run even when the
 * schema found errors, so every problem of a file is reported at once; each
 * rule therefore reads the document defensively and skips shapes it does not
 * understand (the schema has already reported those).
 */
import type { Diagnostic, PathSegment } from "./diagnostics.js";
import { toPointer } from "./diagnostics.js";
import type { LoadedSpec } from "./load.js";
import { routeRules } from "./semantic-routes.js";
import {
  balancerRules, edge, entryLabel, isObj, list, listeners, namesIn, objEntries, str, unknownRef, type Ctx, type Doc, type Rule,
} from "./semantic-shared.js";
import { reservedFleetNames } from "./semantic-aws.js";
import { alertRules } from "./semantic-alerts.js";
import { targetRules } from "./semantic-targets.js";
import { tlsRules } from "./semantic-tls.js";
import { HealthCheck } from "./schema.js";
import { formatDuration, parseDuration } from "./units.js";

export function semanticDiagnostics(doc: Doc, spec: LoadedSpec): Diagnostic[] {
  const out: Diagnostic[] = [];
  const ctx: Ctx = {
    spec,
    out,
    report(code, path, message, opts = {}) {
      const d: Diagnostic = {
        code,
        severity: opts.severity ?? "error",
        message,
        path: toPointer(path),
        file: spec.file,
        range: spec.locate(path, opts.part ?? "value"),
      };
      if (opts.suggestion) d.suggestion = opts.suggestion;
      out.push(d);
    },
  };
  for (const rule of rules) rule(doc, ctx);
  return out;
}

const fleetSources: Rule = (doc, ctx) => {
  for (const [name, fleet] of objEntries(doc["fleets"])) {
    const hasImage = fleet["image"] !== undefined;
    const hasEndpoints = fleet["endpoints"] !== undefined;
    if (hasImage === hasEndpoints) {
      ctx.report("EF_SPEC_FLEET_SOURCE", ["fleets", name], hasImage
        ? `fleet "${name}" has both image and endpoints`
        : `fleet "${name}" has neither image nor endpoints`, {
        part: "key",
        suggestion: hasImage
          ? "keep `image` for a fleet edgeform provisions, or `endpoints` for existing origins, not both"
          : "add `image:` (with `port:`) to provision it, or `endpoints: [host:port]` for existing origins",
      });
    }
    if (hasImage && fleet["port"] === undefined) {
      ctx.report("EF_SPEC_FLEET_PORT", ["fleets", name], `fleet "${name}" has an image but no port`, { part: "key", suggestion: "add `port:` with the port the container listens on" });
    }
    if (hasEndpoints && fleet["replicas"] !== undefined) {
      ctx.report("EF_SPEC_FLEET_SOURCE", ["fleets", name, "replicas"], `fleet "${name}" lists endpoints, so replicas has no effect`, {
        severity: "warning",
        part: "key",
        suggestion: "remove `replicas`; existing origins are balanced as listed",
      });
    }
    const endpoints = list(fleet["endpoints"]);
    const weights = endpoints.map((e) => (isObj(e) ? e["weight"] : 1)).filter((w): w is number => typeof w === "number");
    if (endpoints.length > 0 && weights.length === endpoints.length && weights.every((w) => w === 0)) {
      ctx.report("EF_SPEC_ZERO_WEIGHTS", ["fleets", name, "endpoints"], `every endpoint of fleet "${name}" has weight 0, so none can be chosen`, {
        suggestion: "give at least one endpoint a weight above 0",
      });
    }
    endpoints.forEach((e, i) => {
      const addr = isObj(e) ? str(e["address"]) : str(e);
      const port = addr ? Number(addr.slice(addr.lastIndexOf(":") + 1)) : NaN;
      if (addr && (port < 1 || port > 65535)) {
        ctx.report("EF_SPEC_ENDPOINT", ["fleets", name, "endpoints", i], `endpoint "${addr}" has port ${port}, outside 1-65535`);
      }
    });
    healthCheckTimes(ctx, fleet["healthCheck"], ["fleets", name, "healthCheck"]);
    const auto = fleet["autoscaling"];
    if (isObj(auto) && typeof auto["min"] === "number" && typeof auto["max"] === "number" && auto["min"] > auto["max"]) {
      ctx.report("EF_SPEC_SCHEMA_RANGE", ["fleets", name, "autoscaling", "min"], `autoscaling min (${auto["min"]}) is above max (${auto["max"]})`);
    }
  }
};

/** Defaults as the schema documents them (plan applies the same values; a test keeps them equal). */
const healthDefaults = {
  interval: String(HealthCheck.properties.interval.default),
  timeout: String(HealthCheck.properties.timeout.default),
};

function healthCheckTimes(ctx: Ctx, hc: unknown, path: PathSegment[]) {
  if (!isObj(hc)) return;
  const given = { interval: str(hc["interval"]), timeout: str(hc["timeout"]) };
  if ((hc["interval"] !== undefined && given.interval === undefined) || (hc["timeout"] !== undefined && given.timeout === undefined)) return;
  const interval = given.interval ?? healthDefaults.interval;
  const timeout = given.timeout ?? healthDefaults.timeout;
  const intervalMs = parseDuration(interval);
  const timeoutMs = parseDuration(timeout);
  if (intervalMs === undefined || timeoutMs === undefined || timeoutMs < intervalMs) return;
  const shown = (v: string, key: "interval" | "timeout") => (given[key] === undefined ? `${v}, the default` : v);
  ctx.report("EF_SPEC_HEALTH_TIMEOUT", [...path, given.timeout !== undefined ? "timeout" : "interval"], `health check timeout (${shown(timeout, "timeout")}) must be shorter than its interval (${shown(interval, "interval")})`, {
    suggestion: given.timeout !== undefined
      ? "lower the timeout or raise the interval, so one probe ends before the next starts"
      : `set a timeout below ${interval}, e.g. \`timeout: ${formatDuration(Math.max(1, Math.floor(intervalMs / 2)))}\``,
  });
}

const listenerRules: Rule = (doc, ctx) => {
  const fleets = namesIn(doc, "fleets");
  const all = listeners(doc);
  const label = (i: number) => entryLabel("listener", all[i], i);
  const byName = new Map<string, number>();
  const byPort = new Map<number, number>();
  listeners(doc).forEach((l, i) => {
    if (!isObj(l)) return;
    const name = str(l["name"]);
    const port = typeof l["port"] === "number" ? l["port"] : undefined;
    if (name !== undefined) {
      if (byName.has(name)) ctx.report("EF_SPEC_DUPLICATE_NAME", ["edge", "listeners", i, "name"], `listener name "${name}" is already used by listener #${byName.get(name)! + 1}`, { suggestion: "give each listener its own name; routes and metrics refer to listeners by name" });
      else byName.set(name, i);
    }
    if (port !== undefined) {
      if (byPort.has(port)) ctx.report("EF_SPEC_PORT_CLASH", ["edge", "listeners", i, "port"], `${label(i)} uses port ${port}, which ${label(byPort.get(port)!)} already uses`, { suggestion: "give each listener its own port" });
      else byPort.set(port, i);
    }
    const fleet = str(l["fleet"]);
    if (l["protocol"] === "tcp") {
      if (fleet === undefined) ctx.report("EF_SPEC_TCP_LISTENER_FLEET", ["edge", "listeners", i], `TCP listener "${name ?? i}" needs a fleet to forward to`, { suggestion: "add `fleet: <name>`" });
      else if (fleets && !fleets.has(fleet)) unknownRef(ctx, "EF_SPEC_UNKNOWN_FLEET", "fleet", fleet, [...fleets], ["edge", "listeners", i, "fleet"]);
      const t = l["timeouts"];
      if (isObj(t) && t["response"] !== undefined) {
        ctx.report("EF_SPEC_TCP_ROUTE_OPTION", ["edge", "listeners", i, "timeouts", "response"], `TCP listener "${name ?? i}" cannot have a response timeout: raw TCP has no responses`, { part: "key", suggestion: "use `connect` and `idle` timeouts for TCP" });
      }
    } else if (l["protocol"] === "http" || l["protocol"] === "https") {
      if (fleet !== undefined) ctx.report("EF_SPEC_TCP_LISTENER_FLEET", ["edge", "listeners", i, "fleet"], `HTTP listener "${name ?? i}" cannot name a fleet; HTTP traffic goes through routes`, { part: "key", suggestion: "remove `fleet` and add a route under `edge.routes`" });
      if (l["balancer"] !== undefined) ctx.report("EF_SPEC_TCP_ROUTE_OPTION", ["edge", "listeners", i, "balancer"], `HTTP listener "${name ?? i}" cannot have a balancer; set it on the routes`, { part: "key" });
    }
    balancerRules(ctx, l["balancer"], ["edge", "listeners", i, "balancer"], true);
  });
  const admin = edge(doc)["admin"];
  const adminPort = isObj(admin) && typeof admin["port"] === "number" ? admin["port"] : undefined;
  if (adminPort !== undefined && byPort.has(adminPort)) {
    ctx.report("EF_SPEC_PORT_CLASH", ["edge", "admin", "port"], `admin port ${adminPort} is also the port of ${label(byPort.get(adminPort)!)}`, { suggestion: "pick a different admin port (the default is 9901)" });
  }
};

const monitoringRules: Rule = (doc, ctx) => {
  const m = doc["monitoring"];
  if (!isObj(m)) return;
  const caches = objEntries(doc["caches"]);
  if (caches.length === 0 && isObj(m["alerts"]) && m["alerts"]["cacheErrorsPerSecond"] !== undefined) {
    ctx.report("EF_SPEC_UNKNOWN_CACHE", ["monitoring", "alerts", "cacheErrorsPerSecond"], "a cache alert is set but the spec defines no caches", { severity: "warning", part: "key" });
  }
};

const rules: Rule[] = [fleetSources, reservedFleetNames, listenerRules, routeRules, monitoringRules, alertRules, targetRules, tlsRules];
