/**
 * The router's prefix tree keeps the linear scan's semantics (the first route
 * in config order that matches wins, whatever kind of host match it has),
 * proven against a reference scan on generated route tables, and matches in
 * a table of 5,000 routes.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import type { RouteConfig } from "../../src/plan/proxy-config.js";
import { Router } from "../../src/proxy/http/router.js";
import { route } from "./support.js";

function routeWith(name: string, match: RouteConfig["match"]): RouteConfig {
  return route(name, "f", { match });
}

function router(routes: RouteConfig[]): Router<string> {
  return new Router(routes, ["web"], (r) => r.name);
}

/** The semantics the tree must keep: scan in config order, first match wins. */
function reference(routes: RouteConfig[], host: string, path: string, raw: readonly string[]): string | undefined {
  for (const r of routes) {
    const h = r.match.host?.toLowerCase();
    if (h !== undefined && (h.startsWith("*.") ? !host.endsWith(h.slice(1)) : h !== host)) continue;
    if (!path.startsWith(r.match.pathPrefix || "/")) continue;
    const headers = Object.entries(r.match.headers ?? {});
    if (!headers.every(([n, v]) => raw.some((x, i) => i % 2 === 0 && x.toLowerCase() === n && raw[i + 1] === v))) continue;
    return r.name;
  }
  return undefined;
}

test("config order wins over prefix length, host kind and header conditions", () => {
  const routes = [
    routeWith("api-beta", { host: "a.example", pathPrefix: "/api/", headers: { "x-beta": "1" } }),
    routeWith("any-root", { pathPrefix: "/" }),
    routeWith("api", { host: "a.example", pathPrefix: "/api/" }),
  ];
  const t = router(routes).table("web")!;
  assert.equal(t.match("a.example", "/api/x", ["X-Beta", "1"]), "api-beta");
  assert.equal(t.match("a.example", "/api/x", []), "any-root", "an earlier shorter prefix beats a later longer one");
  assert.equal(t.match("b.example", "/api/x", []), "any-root");
  const wild = router([routeWith("wild", { host: "*.example", pathPrefix: "/w" }), routeWith("exact", { host: "a.example", pathPrefix: "/" })]).table("web")!;
  assert.equal(wild.match("a.example", "/w/1", []), "wild", "a wildcard listed first beats an exact host listed later");
  assert.equal(wild.match("c.example", "/w/1", []), "wild");
  assert.equal(wild.match("c.other", "/w/1", []), undefined);
  assert.equal(wild.match("a.example", "/x", []), "exact");
});

test("in a table of 5,000 prefix routes the last one is found, and earlier ones still win", () => {
  const routes = Array.from({ length: 4999 }, (_, i) => routeWith(`r${i}`, { host: "h", pathPrefix: `/r${i}/` }));
  routes.push(routeWith("last", { host: "h", pathPrefix: "/" }));
  const t = router(routes).table("web")!;
  assert.equal(t.match("h", "/", []), "last");
  assert.equal(t.match("h", "/r4998/x?q=1", []), "r4998");
  assert.equal(t.match("h", "/r49/x", []), "r49");
  assert.equal(t.match("h", "/r499", []), "last", "a prefix is matched whole");
});

test("the prefix tree answers like a first-match scan in config order (generated tables)", () => {
  const segment = fc.constantFrom("", "a", "ab", "b", "a/", "ab/c");
  const prefix = fc.array(segment, { maxLength: 3 }).map((xs) => `/${xs.join("/")}`);
  const host = fc.constantFrom(undefined, "a.example", "b.example", "*.example");
  const headers = fc.constantFrom(undefined, { "x-v": "1" }, { "x-v": "2" });
  const routeArb = fc.record({ host, pathPrefix: prefix, headers });
  const requestArb = fc.record({ host: fc.constantFrom("a.example", "b.example", "c.example", "other"), path: prefix.chain((p) => fc.constantFrom(p, `${p}?q`, `${p}b`, `${p}/x`)), raw: fc.constantFrom([], ["X-V", "1"], ["x-v", "2"]) });
  fc.assert(
    fc.property(fc.array(routeArb, { maxLength: 12 }), fc.array(requestArb, { minLength: 1, maxLength: 8 }), (specs, requests) => {
      const routes = specs.map((m, i) => routeWith(`r${i}`, { pathPrefix: m.pathPrefix, ...(m.host === undefined ? {} : { host: m.host }), ...(m.headers === undefined ? {} : { headers: m.headers }) }));
      const t = router(routes).table("web")!;
      for (const q of requests) assert.equal(t.match(q.host, q.path, q.raw), reference(routes, q.host, q.path, q.raw), `${q.host} ${q.path}`);
    }),
    { numRuns: 300 },
  );
});
