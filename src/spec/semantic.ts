/**
 * Semantic rules: what the JSON Schema cannot express (references between
 * sections, clashes, shadowed routes, target rules). Rules run even when the
 * schema found errors, so every problem of a file is reported at once; each
 * rule therefore reads the document defensively and skips shapes it does not
 * understand (the schema has already reported those).
 */
import type { ErrorCode } from "../errors.js";
import type { Diagnostic, PathSegment, Severity } from "./diagnostics.js";
import { toPointer } from "./diagnostics.js";
import type { LoadedSpec } from "./load.js";
import { parseDuration } from "./units.js";
import { suggest } from "./suggest.js";

type Doc = Record<string, unknown>;
type Obj = Record<string, unknown>;

interface Ctx {
  spec: LoadedSpec;
  out: Diagnostic[];
  report(code: ErrorCode, path: PathSegment[], message: string, opts?: { suggestion?: string; severity?: Severity; part?: "key" | "value" }): void;
}

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const objEntries = (v: unknown): Array<[string, Obj]> => (isObj(v) ? Object.entries(v).filter((e): e is [string, Obj] => isObj(e[1])) : []);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

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

type Rule = (doc: Doc, ctx: Ctx) => void;

const fleetNames = (doc: Doc) => (isObj(doc["fleets"]) ? Object.keys(doc["fleets"]) : []);
const cacheNames = (doc: Doc) => (isObj(doc["caches"]) ? Object.keys(doc["caches"]) : []);
const edge = (doc: Doc): Obj => (isObj(doc["edge"]) ? doc["edge"] : {});
const listeners = (doc: Doc) => list(edge(doc)["listeners"]);
const routes = (doc: Doc) => list(edge(doc)["routes"]);

function unknownRef(ctx: Ctx, code: ErrorCode, kind: string, name: string, known: string[], path: PathSegment[]) {
  const guess = suggest(name, known);
  ctx.report(code, path, `${kind} "${name}" is not defined`, {
    suggestion: guess ? `did you mean "${guess}"?` : known.length ? `defined ${kind}s: ${known.join(", ")}` : `define it under \`${kind === "fleet" ? "fleets" : kind === "cache" ? "caches" : "edge.listeners"}\``,
  });
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

function healthCheckTimes(ctx: Ctx, hc: unknown, path: PathSegment[]) {
  if (!isObj(hc)) return;
  const interval = str(hc["interval"]) && parseDuration(hc["interval"] as string);
  const timeout = str(hc["timeout"]) && parseDuration(hc["timeout"] as string);
  if (typeof interval === "number" && typeof timeout === "number" && timeout >= interval) {
    ctx.report("EF_SPEC_HEALTH_TIMEOUT", [...path, "timeout"], `health check timeout (${hc["timeout"]}) must be shorter than its interval (${hc["interval"]})`, {
      suggestion: "lower the timeout or raise the interval, so one probe ends before the next starts",
    });
  }
}

const listenerRules: Rule = (doc, ctx) => {
  const fleets = fleetNames(doc);
  const byName = new Map<string, number>();
  const byPort = new Map<number, number>();
  listeners(doc).forEach((l, i) => {
    if (!isObj(l)) return;
    const name = str(l["name"]);
    const port = typeof l["port"] === "number" ? l["port"] : undefined;
    if (name !== undefined) {
      if (byName.has(name)) ctx.report("EF_SPEC_DUPLICATE_NAME", ["edge", "listeners", i, "name"], `listener name "${name}" is already used by listener #${byName.get(name)! + 1}`, { suggestion: "give each listener its own name" });
      else byName.set(name, i);
    }
    if (port !== undefined) {
      if (byPort.has(port)) ctx.report("EF_SPEC_PORT_CLASH", ["edge", "listeners", i, "port"], `port ${port} is already used by listener #${byPort.get(port)! + 1}`, { suggestion: "give each listener its own port" });
      else byPort.set(port, i);
    }
    const fleet = str(l["fleet"]);
    if (l["protocol"] === "tcp") {
      if (fleet === undefined) ctx.report("EF_SPEC_TCP_LISTENER_FLEET", ["edge", "listeners", i], `TCP listener "${name ?? i}" needs a fleet to forward to`, { suggestion: "add `fleet: <name>`" });
      else if (!fleets.includes(fleet)) unknownRef(ctx, "EF_SPEC_UNKNOWN_FLEET", "fleet", fleet, fleets, ["edge", "listeners", i, "fleet"]);
      const t = l["timeouts"];
      if (isObj(t) && t["response"] !== undefined) {
        ctx.report("EF_SPEC_TCP_ROUTE_OPTION", ["edge", "listeners", i, "timeouts", "response"], `TCP listener "${name ?? i}" cannot have a response timeout: raw TCP has no responses`, { part: "key", suggestion: "use `connect` and `idle` timeouts for TCP" });
      }
    } else if (l["protocol"] === "http") {
      if (fleet !== undefined) ctx.report("EF_SPEC_TCP_LISTENER_FLEET", ["edge", "listeners", i, "fleet"], `HTTP listener "${name ?? i}" cannot name a fleet; HTTP traffic goes through routes`, { part: "key", suggestion: "remove `fleet` and add a route under `edge.routes`" });
      if (l["balancer"] !== undefined) ctx.report("EF_SPEC_TCP_ROUTE_OPTION", ["edge", "listeners", i, "balancer"], `HTTP listener "${name ?? i}" cannot have a balancer; set it on the routes`, { part: "key" });
    }
    balancerRules(ctx, l["balancer"], ["edge", "listeners", i, "balancer"], true);
  });
  const admin = edge(doc)["admin"];
  const adminPort = isObj(admin) && typeof admin["port"] === "number" ? admin["port"] : undefined;
  if (adminPort !== undefined && byPort.has(adminPort)) {
    ctx.report("EF_SPEC_PORT_CLASH", ["edge", "admin", "port"], `admin port ${adminPort} is also listener #${byPort.get(adminPort)! + 1}'s port`, { suggestion: "pick a different admin port (the default is 9901)" });
  }
};

function balancerRules(ctx: Ctx, b: unknown, path: PathSegment[], tcp: boolean) {
  if (!isObj(b)) return;
  const algorithm = b["algorithm"];
  const key = str(b["hashKey"]);
  if (algorithm === "consistent-hash" && key === undefined) {
    ctx.report("EF_SPEC_HASH_KEY", path, "consistent-hash needs a hashKey", { part: "key", suggestion: tcp ? 'add `hashKey: client-ip`' : 'add `hashKey: "header:x-user-id"`, "cookie:<name>", "path" or "client-ip"' });
  }
  if (algorithm !== undefined && algorithm !== "consistent-hash" && (key !== undefined || b["boundedLoad"] !== undefined)) {
    ctx.report("EF_SPEC_HASH_KEY", [...path, key !== undefined ? "hashKey" : "boundedLoad"], `${key !== undefined ? "hashKey" : "boundedLoad"} only applies to consistent-hash, not ${String(algorithm)}`, { part: "key", suggestion: "remove it, or set `algorithm: consistent-hash`" });
  }
  if (tcp && key !== undefined && key !== "client-ip") {
    ctx.report("EF_SPEC_TCP_ROUTE_OPTION", [...path, "hashKey"], `a TCP listener can only hash on client-ip, not "${key}"`, { suggestion: "use `hashKey: client-ip`" });
  }
}

const routeRules: Rule = (doc, ctx) => {
  const fleets = fleetNames(doc);
  const caches = cacheNames(doc);
  const ls = listeners(doc).filter(isObj);
  const listenerNames = ls.map((l) => str(l["name"])).filter((n): n is string => n !== undefined);
  const httpListeners = ls.filter((l) => l["protocol"] === "http").map((l) => str(l["name"]));
  const rs = routes(doc);
  const names = new Map<string, number>();
  if (httpListeners.length > 0 && rs.length === 0 && isObj(doc["edge"])) {
    ctx.report("EF_SPEC_NO_ROUTES", ["edge"], "the edge has HTTP listeners but no routes, so every request would get 404", { part: "key", suggestion: "add `routes:` under `edge` with at least one `match: { pathPrefix: / }`" });
  }
  rs.forEach((r, i) => {
    if (!isObj(r)) return;
    const at = (...p: PathSegment[]): PathSegment[] => ["edge", "routes", i, ...p];
    const fleet = str(r["fleet"]);
    if (fleet !== undefined && !fleets.includes(fleet)) unknownRef(ctx, "EF_SPEC_UNKNOWN_FLEET", "fleet", fleet, fleets, at("fleet"));
    const cache = str(r["cache"]);
    if (cache !== undefined && !caches.includes(cache)) unknownRef(ctx, "EF_SPEC_UNKNOWN_CACHE", "cache", cache, caches, at("cache"));
    const name = str(r["name"]);
    if (name !== undefined) {
      if (names.has(name)) ctx.report("EF_SPEC_DUPLICATE_NAME", at("name"), `route name "${name}" is already used by route #${names.get(name)! + 1}`);
      else names.set(name, i);
    }
    list(r["listeners"]).forEach((ln, j) => {
      if (typeof ln !== "string") return;
      if (!listenerNames.includes(ln)) unknownRef(ctx, "EF_SPEC_UNKNOWN_LISTENER", "listener", ln, listenerNames, at("listeners", j));
      else if (!httpListeners.includes(ln)) ctx.report("EF_SPEC_TCP_ROUTE_OPTION", at("listeners", j), `route #${i + 1} names TCP listener "${ln}"; routes only apply to HTTP listeners`, { suggestion: "set `fleet:` on the TCP listener instead" });
    });
    balancerRules(ctx, r["balancer"], at("balancer"), false);
    const retry = r["retry"];
    if (isObj(retry) && typeof retry["attempts"] === "number" && retry["attempts"] > 0 && Array.isArray(retry["on"]) && retry["on"].length === 0) {
      ctx.report("EF_SPEC_RETRY", at("retry", "on"), "retry has attempts but no conditions to retry on", { suggestion: "list conditions, e.g. `on: [connect-failure, reset, 503]`" });
    }
  });
  shadowedRoutes(ctx, rs);
};

/** A route is unreachable when an earlier route on the same listeners matches a superset of its traffic. */
function shadowedRoutes(ctx: Ctx, rs: unknown[]) {
  const covers = (a: Obj, b: Obj): boolean => {
    const ma = isObj(a["match"]) ? a["match"] : {};
    const mb = isObj(b["match"]) ? b["match"] : {};
    const la = list(a["listeners"]);
    const lb = list(b["listeners"]);
    if (la.length > 0 && (lb.length === 0 || !lb.every((l) => la.includes(l)))) return false;
    if (ma["host"] !== undefined && ma["host"] !== mb["host"]) return false;
    const pa = str(ma["pathPrefix"]) ?? "/";
    const pb = str(mb["pathPrefix"]) ?? "/";
    if (!pb.startsWith(pa)) return false;
    const ha = isObj(ma["headers"]) ? ma["headers"] : {};
    const hb = isObj(mb["headers"]) ? mb["headers"] : {};
    return Object.entries(ha).every(([k, v]) => Object.entries(hb).some(([k2, v2]) => k2.toLowerCase() === k.toLowerCase() && v2 === v));
  };
  rs.forEach((r, i) => {
    if (!isObj(r)) return;
    const j = rs.slice(0, i).findIndex((earlier) => isObj(earlier) && covers(earlier, r));
    if (j >= 0) {
      ctx.report("EF_SPEC_UNREACHABLE_ROUTE", ["edge", "routes", i, "match"], `route #${i + 1} can never match: route #${j + 1} comes first and matches all of its requests`, {
        part: "key",
        suggestion: `move route #${i + 1} above route #${j + 1}; put catch-all routes (pathPrefix: /) last`,
      });
    }
  });
}

const monitoringRules: Rule = (doc, ctx) => {
  const m = doc["monitoring"];
  if (!isObj(m)) return;
  const caches = objEntries(doc["caches"]);
  if (caches.length === 0 && isObj(m["alerts"]) && m["alerts"]["cacheErrorsPerSecond"] !== undefined) {
    ctx.report("EF_SPEC_UNKNOWN_CACHE", ["monitoring", "alerts", "cacheErrorsPerSecond"], "a cache alert is set but the spec defines no caches", { severity: "warning", part: "key" });
  }
};

const AWS_REGION = /^(us|eu|ap|sa|ca|me|af|il|mx)(-gov)?-(north|south|east|west|central|northeast|northwest|southeast|southwest)-[1-9]$/;

const targetRules: Rule = (doc, ctx) => {
  const fleets = fleetNames(doc);
  for (const [name, t] of objEntries(doc["targets"])) {
    if (t["provider"] === "aws") {
      const region = str(t["region"]);
      if (region !== undefined && !AWS_REGION.test(region)) {
        ctx.report("EF_SPEC_AWS_REGION", ["targets", name, "region"], `"${region}" is not an AWS region name`, { suggestion: 'use a region code such as "eu-west-1" or "us-east-1"' });
      }
      if ((t["publicSubnetIds"] !== undefined || t["privateSubnetIds"] !== undefined) && t["vpcId"] === undefined) {
        ctx.report("EF_SPEC_TARGET", ["targets", name], `target "${name}" passes subnets but no vpcId`, { part: "key", suggestion: "add `vpcId:` of the VPC those subnets belong to" });
      }
      const cdn = t["cdn"];
      if (isObj(cdn) && Array.isArray(cdn["aliases"]) && cdn["aliases"].length > 0 && cdn["certificateArn"] === undefined) {
        ctx.report("EF_SPEC_TARGET", ["targets", name, "cdn", "aliases"], "CloudFront aliases need an ACM certificate", { part: "key", suggestion: "add `certificateArn:` of a certificate in us-east-1" });
      }
    }
    if (t["provider"] === "docker") {
      const port = t["publishPort"];
      if (typeof port === "number" && port < 1024) {
        ctx.report("EF_SPEC_DOCKER_PORT", ["targets", name, "publishPort"], `publishing port ${port} needs root on most Docker hosts`, { severity: "warning", suggestion: "use a port of 1024 or above, such as 8080" });
      }
    }
    const images = t["images"];
    if (isObj(images) && isObj(images["fleets"])) {
      for (const fleet of Object.keys(images["fleets"])) {
        if (!fleets.includes(fleet)) unknownRef(ctx, "EF_SPEC_UNKNOWN_FLEET", "fleet", fleet, fleets, ["targets", name, "images", "fleets", fleet]);
      }
    }
  }
  const tcpPorts = new Set(listeners(doc).filter(isObj).filter((l) => l["protocol"] === "tcp").map((l) => l["port"]));
  for (const [name, t] of objEntries(doc["targets"])) {
    if (t["provider"] === "docker" && tcpPorts.has(t["publishPort"])) {
      ctx.report("EF_SPEC_PORT_CLASH", ["targets", name, "publishPort"], `publishPort ${String(t["publishPort"])} is also a TCP listener's port`, { suggestion: "publish HTTP on a port no TCP listener uses" });
    }
  }
};

const rules: Rule[] = [fleetSources, listenerRules, routeRules, monitoringRules, targetRules];
