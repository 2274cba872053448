/**
 * Route rules: references to fleets, caches and listeners, duplicate names,
 * retry policies, and routes that can never match because an earlier route
 * takes all of their traffic.
 */
import type { PathSegment } from "./diagnostics.js";
import { balancerRules, entryLabel, isObj, list, listeners, namesIn, routes, str, unknownRef, type Ctx, type Obj, type Rule } from "./semantic-shared.js";

export const routeRules: Rule = (doc, ctx) => {
  const fleets = namesIn(doc, "fleets");
  const caches = namesIn(doc, "caches");
  const ls = listeners(doc).filter(isObj);
  const listenerNames = ls.map((l) => str(l["name"])).filter((n): n is string => n !== undefined);
  const httpListeners = ls.filter((l) => l["protocol"] === "http" || l["protocol"] === "https").map((l) => str(l["name"]));
  const rs = routes(doc);
  const names = new Map<string, number>();
  if (httpListeners.length > 0 && rs.length === 0 && isObj(doc["edge"])) {
    ctx.report("EF_SPEC_NO_ROUTES", ["edge"], "the edge has HTTP listeners but no routes, so every request would get 404", { part: "key", suggestion: "add `routes:` under `edge` with at least one `match: { pathPrefix: / }`" });
  }
  rs.forEach((r, i) => {
    if (!isObj(r)) return;
    const at = (...p: PathSegment[]): PathSegment[] => ["edge", "routes", i, ...p];
    const fleet = str(r["fleet"]);
    if (fleet !== undefined && fleets && !fleets.has(fleet)) unknownRef(ctx, "EF_SPEC_UNKNOWN_FLEET", "fleet", fleet, [...fleets], at("fleet"));
    const cache = str(r["cache"]);
    if (cache !== undefined && caches && !caches.has(cache)) unknownRef(ctx, "EF_SPEC_UNKNOWN_CACHE", "cache", cache, [...caches], at("cache"));
    const name = str(r["name"]);
    if (name !== undefined) {
      if (names.has(name)) ctx.report("EF_SPEC_DUPLICATE_NAME", at("name"), `route name "${name}" is already used by route #${names.get(name)! + 1}`, { suggestion: "give each route its own name; metrics and logs label requests with it" });
      else names.set(name, i);
    }
    list(r["listeners"]).forEach((ln, j) => {
      if (typeof ln !== "string") return;
      if (!listenerNames.includes(ln)) unknownRef(ctx, "EF_SPEC_UNKNOWN_LISTENER", "listener", ln, listenerNames, at("listeners", j));
      else if (!httpListeners.includes(ln)) ctx.report("EF_SPEC_TCP_ROUTE_OPTION", at("listeners", j), `${entryLabel("route", r, i)} names TCP listener "${ln}"; routes only apply to HTTP listeners`, { suggestion: "set `fleet:` on the TCP listener instead" });
    });
    balancerRules(ctx, r["balancer"], at("balancer"), false);
    const retry = r["retry"];
    if (isObj(retry) && typeof retry["attempts"] === "number" && retry["attempts"] > 0 && Array.isArray(retry["on"]) && retry["on"].length === 0) {
      ctx.report("EF_SPEC_RETRY", at("retry", "on"), "retry has attempts but no conditions to retry on", { suggestion: "list conditions, e.g. `on: [connect-failure, reset, 503]`" });
    }
  });
  shadowedRoutes(ctx, rs);
};

/** Host as the proxy compares it: lower case, without a port. */
const normHost = (h: unknown): string | undefined => (typeof h === "string" ? h.toLowerCase().replace(/:[0-9]+$/, "") : undefined);

/** Whether an earlier route's host pattern takes every request a later route's host pattern would. */
function hostCovers(earlier: string | undefined, later: string | undefined): boolean {
  if (earlier === undefined) return true;
  if (later === undefined) return false;
  if (earlier === later) return true;
  return earlier.startsWith("*.") && later.endsWith(earlier.slice(1));
}

/** Host keys under which an earlier route that could cover `host` is indexed ("" = any host). */
function coveringHostKeys(host: string | undefined): string[] {
  if (host === undefined) return [""];
  const keys = ["", host];
  const labels = host.replace(/^\*\./, "").split(".");
  for (let k = 1; k < labels.length; k++) keys.push("*." + labels.slice(k).join("."));
  return keys;
}

/**
 * A route is unreachable when an earlier route on the same listeners matches a
 * superset of its traffic. Earlier routes are indexed by host and path prefix,
 * so only plausible candidates are compared (specs can have thousands of routes).
 */
function shadowedRoutes(ctx: Ctx, rs: unknown[]) {
  const matchOf = (r: Obj): Obj => (isObj(r["match"]) ? r["match"] : {});
  const covers = (a: Obj, b: Obj): boolean => {
    const ma = matchOf(a);
    const mb = matchOf(b);
    const la = list(a["listeners"]);
    const lb = list(b["listeners"]);
    if (la.length > 0 && (lb.length === 0 || !lb.every((l) => la.includes(l)))) return false;
    if (!hostCovers(normHost(ma["host"]), normHost(mb["host"]))) return false;
    if (!(str(mb["pathPrefix"]) ?? "/").startsWith(str(ma["pathPrefix"]) ?? "/")) return false;
    const ha = isObj(ma["headers"]) ? ma["headers"] : {};
    const hb = isObj(mb["headers"]) ? mb["headers"] : {};
    return Object.entries(ha).every(([k, v]) => Object.entries(hb).some(([k2, v2]) => k2.toLowerCase() === k.toLowerCase() && v2 === v));
  };
  const index = new Map<string, Map<string, number[]>>();
  rs.forEach((r, i) => {
    if (!isObj(r)) return;
    const host = normHost(matchOf(r)["host"]);
    const path = str(matchOf(r)["pathPrefix"]) ?? "/";
    let shadowedBy = -1;
    for (const hostKey of coveringHostKeys(host)) {
      const byPath = index.get(hostKey);
      if (!byPath) continue;
      for (let k = 0; k <= path.length; k++) {
        for (const j of byPath.get(path.slice(0, k)) ?? []) {
          if (shadowedBy >= 0 && j >= shadowedBy) break;
          if (covers(rs[j] as Obj, r)) shadowedBy = j;
        }
      }
    }
    if (shadowedBy >= 0) {
      const j = shadowedBy;
      ctx.report("EF_SPEC_UNREACHABLE_ROUTE", ["edge", "routes", i, "match"], `${entryLabel("route", r, i)} can never match: ${entryLabel("route", rs[j], j)} comes first and matches all of its requests`, {
        part: "key",
        suggestion: `move it above ${entryLabel("route", rs[j], j)} (routes match in order, so put specific routes first and the catch-all \`pathPrefix: /\` last)`,
      });
    }
    const hostKey = host ?? "";
    const byPath = index.get(hostKey) ?? new Map<string, number[]>();
    index.set(hostKey, byPath);
    byPath.set(path, [...(byPath.get(path) ?? []), i]);
  });
}
