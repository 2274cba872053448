/** validateTopology behaviour beyond the broken corpus: the library API, JSON input, scale, routes. */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import fc from "fast-check";
import { stringify } from "yaml";
import { Defaults } from "../../src/plan/defaults.js";
import { validateTopology, validateTopologyFile } from "../../src/spec/index.js";
import { HealthCheck } from "../../src/spec/schema.js";

const base = {
  version: 1,
  name: "shop",
  fleets: { api: { image: "ghcr.io/acme/api:1.0.0", port: 8080 } },
  edge: { listeners: [{ name: "web", protocol: "http", port: 8080 }], routes: [{ match: { pathPrefix: "/" }, fleet: "api" }] },
};

test("a valid spec gives a typed topology and no diagnostics", () => {
  const r = validateTopology(stringify(base));
  assert.ok(r.ok);
  assert.equal(r.topology.fleets["api"]?.port, 8080);
  assert.deepEqual(r.diagnostics, []);
});

test("diagnostics name <input> unless a filename is given", () => {
  const r = validateTopology("version: 1\n");
  assert.ok(r.diagnostics.length > 0);
  assert.ok(r.diagnostics.every((d) => d.file === "<input>"));
  assert.ok(validateTopology("version: 1\n", { filename: "a.yaml" }).diagnostics.every((d) => d.file === "a.yaml"));
});

test("warnings alone keep a spec valid", () => {
  const r = validateTopology(stringify({ ...base, targets: { local: { provider: "docker", publishPort: 80 } } }));
  assert.ok(r.ok);
  assert.deepEqual(r.diagnostics.map((d) => [d.severity, d.code]), [["warning", "EF_SPEC_DOCKER_PORT"]]);
});

test("JSON specs validate like YAML, and their diagnostics still carry line:col", () => {
  const ok = validateTopology(JSON.stringify(base, null, 2), { filename: "t.json" });
  assert.ok(ok.ok);
  const broken = JSON.stringify({ ...base, fleets: { api: { image: "x", port: 8080, replicas: "3" } } }, null, 2);
  const r = validateTopology(broken, { filename: "t.json" });
  const d = r.diagnostics.find((x) => x.code === "EF_SPEC_SCHEMA_TYPE");
  assert.ok(d?.range, "positioned");
  assert.equal(broken.split("\n")[d.range.start.line - 1]?.slice(d.range.start.col - 1, d.range.start.col + 2), '"3"');
});

test("a JSON key given twice is reported, not silently overwritten", () => {
  const text = '{"version": 1, "name": "a", "name": "b", "fleets": {}, "edge": {}}';
  const r = validateTopology(text, { filename: "t.json" });
  const d = r.diagnostics.find((x) => x.code === "EF_SPEC_DUPLICATE_KEY");
  assert.ok(d, JSON.stringify(r.diagnostics));
  assert.equal(d.range?.start.col, text.lastIndexOf('"name"') + 1);
});

test("a JSON string that merely contains a colon does not count as a key", () => {
  const spec = { ...base, fleets: { api: { image: "ghcr.io/acme/api:1.0.0", port: 8080, env: { A: "x\": y", B: "\\\":" } } } };
  assert.ok(validateTopology(JSON.stringify(spec)).ok);
});

test("validateTopologyFile reads a file and names it as asked; a missing file is EF_SPEC_IO", async () => {
  const dir = mkdtempSync(join(tmpdir(), "edgeform-validate-"));
  try {
    const file = join(dir, "t.yaml");
    writeFileSync(file, stringify(base));
    const r = await validateTopologyFile(file, { filename: "t.yaml" });
    assert.ok(r.ok);
    assert.equal(r.spec.file, "t.yaml");
    const missing = await validateTopologyFile(join(dir, "nope.yaml"), { filename: "nope.yaml" });
    assert.equal(missing.ok, false);
    assert.equal(missing.diagnostics[0]?.code, "EF_SPEC_IO");
    assert.match(missing.diagnostics[0]!.message, /nope\.yaml: no such file/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("keys of name-keyed mappings are checked, so a bad fleet name cannot slip past the schema", () => {
  const r = validateTopology(stringify({ ...base, fleets: { My_Api: { image: "x", port: 1 } } }));
  const d = r.diagnostics.find((x) => x.path === "/fleets/My_Api");
  assert.equal(d?.code, "EF_SPEC_SCHEMA_FORMAT");
  assert.match(d!.suggestion!, /"my-api"/);
  const env = validateTopology(stringify({ ...base, fleets: { api: { image: "x", port: 1, env: { "BAD KEY": null } } } }));
  assert.ok(env.diagnostics.some((x) => x.path === "/fleets/api/env/BAD KEY" && x.code === "EF_SPEC_SCHEMA_FORMAT"));
});

test("a spec with thousands of fleets and routes validates, and a reference error names only a few fleets", () => {
  const fleets: Record<string, unknown> = {};
  const routes: unknown[] = [];
  for (let i = 0; i < 2000; i++) {
    fleets[`svc-${i}`] = { endpoints: [`10.0.${i >> 8}.${i & 255}:80`] };
    routes.push({ match: { host: `svc-${i}.example.com`, pathPrefix: "/" }, fleet: `svc-${i}` });
  }
  routes.push({ match: { pathPrefix: "/" }, fleet: "nowhere" });
  const r = validateTopology(JSON.stringify({ ...base, fleets, edge: { ...base.edge, routes } }));
  const d = r.diagnostics.filter((x) => x.code === "EF_SPEC_UNKNOWN_FLEET");
  assert.equal(d.length, 1);
  assert.ok(d[0]!.suggestion!.length < 200, d[0]!.suggestion);
});

// ── shadowed routes: the indexed check agrees with the plain definition ────

type R = { listeners?: string[]; match: { host?: string; pathPrefix?: string; headers?: Record<string, string> } };

/** The definition, checked against every earlier route: O(n²), obviously right. */
function shadowedByDefinition(routes: R[]): Set<number> {
  const host = (h?: string) => h?.toLowerCase().replace(/:[0-9]+$/, "");
  const hostCovers = (a?: string, b?: string) => a === undefined || (b !== undefined && (a === b || (a.startsWith("*.") && b.endsWith(a.slice(1)))));
  const covers = (a: R, b: R) =>
    (!a.listeners || (!!b.listeners && b.listeners.every((l) => a.listeners!.includes(l)))) &&
    hostCovers(host(a.match.host), host(b.match.host)) &&
    (b.match.pathPrefix ?? "/").startsWith(a.match.pathPrefix ?? "/") &&
    Object.entries(a.match.headers ?? {}).every(([k, v]) => Object.entries(b.match.headers ?? {}).some(([k2, v2]) => k2.toLowerCase() === k.toLowerCase() && v2 === v));
  const out = new Set<number>();
  routes.forEach((r, i) => {
    if (routes.slice(0, i).some((e) => covers(e, r))) out.add(i);
  });
  return out;
}

test("unreachable routes are exactly those an earlier route covers (indexed check = definition)", () => {
  const route: fc.Arbitrary<R> = fc.record(
    {
      listeners: fc.subarray(["web", "alt"], { minLength: 1 }),
      match: fc.record(
        {
          host: fc.constantFrom("a.example.com", "b.example.com", "*.example.com", "x.a.example.com", "*.a.example.com", "A.example.com:8080"),
          pathPrefix: fc.constantFrom("/", "/api", "/api/", "/api/v1/", "/static/", "/a"),
          headers: fc.dictionary(fc.constantFrom("x-canary", "X-Canary", "x-tenant"), fc.constantFrom("1", "2"), { maxKeys: 2 }),
        },
        { requiredKeys: [] },
      ),
    },
    { requiredKeys: ["match"] },
  );
  fc.assert(
    fc.property(fc.array(route, { minLength: 1, maxLength: 12 }), (routes) => {
      const spec = {
        ...base,
        edge: { listeners: [{ name: "web", protocol: "http", port: 8080 }, { name: "alt", protocol: "http", port: 8081 }], routes: routes.map((r) => ({ ...r, fleet: "api" })) },
      };
      const got = new Set(
        validateTopology(JSON.stringify(spec))
          .diagnostics.filter((d) => d.code === "EF_SPEC_UNREACHABLE_ROUTE")
          .map((d) => Number(d.path.split("/")[3])),
      );
      assert.deepEqual([...got].sort(), [...shadowedByDefinition(routes)].sort());
    }),
    { numRuns: 300, seed: 7 },
  );
});

test("health-check defaults documented in the schema are the ones plan applies", () => {
  assert.equal(HealthCheck.properties.interval.default, Defaults.healthCheck.interval);
  assert.equal(HealthCheck.properties.timeout.default, Defaults.healthCheck.timeout);
});
