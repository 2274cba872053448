/**
 * Issue #11: /metrics lists backend addresses, so the spec can protect it
 * with a bearer token of its own (edge.admin.metricsToken), like the
 * state-changing admin endpoints. Without one it stays open (compatible).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { planDeployment } from "../../src/plan/plan.js";
import { validateTopology } from "../../src/spec/validate.js";
import { cluster, config, get, route, startBackend, withProxy } from "./support.js";

const METRICS_ENV = "EDGEFORM_SECRET_TEST_METRICS";

test("/metrics with a metrics token: missing, wrong or non-Bearer credentials → 401; the right token → 200", async () => {
  const b = await startBackend("b");
  try {
    const cfg = config([cluster("f", [b])], [route("r", "f")], { admin: { host: "127.0.0.1", port: 0, metricsTokenEnv: METRICS_ENV } });
    await withProxy(cfg, async (proxy) => {
      const admin = proxy.ports["admin"]!;
      for (const authorization of [undefined, "Bearer wrong", "Basic m3trics", "Bearer", "bearer m3trics-extra"]) {
        const r = await get(admin, "/metrics", authorization === undefined ? {} : { headers: { authorization } });
        assert.equal(r.status, 401, `authorization ${JSON.stringify(authorization)}`);
        assert.doesNotMatch(r.body, /127\.0\.0\.1/, "no backend address leaks");
        assert.match(String(r.headers["www-authenticate"]), /^Bearer /);
      }
      for (const method of ["GET", "HEAD"]) {
        const ok = await get(admin, "/metrics", { method, headers: { authorization: "Bearer m3trics" } });
        assert.equal(ok.status, 200, method);
        if (method === "GET") assert.match(ok.body, /edgeform_/);
      }
      assert.equal((await get(admin, "/healthz")).status, 200, "health checks need no token");
    }, { env: { [METRICS_ENV]: "m3trics" } });
  } finally {
    await b.close();
  }
});

test("/metrics with a metrics token configured but absent from the environment is closed (403), not open", async () => {
  const b = await startBackend("b");
  try {
    const cfg = config([cluster("f", [b])], [route("r", "f")], { admin: { host: "127.0.0.1", port: 0, metricsTokenEnv: METRICS_ENV } });
    await withProxy(cfg, async (proxy) => {
      const r = await get(proxy.ports["admin"]!, "/metrics", { headers: { authorization: "Bearer " } });
      assert.equal(r.status, 403);
      assert.match(r.body, new RegExp(METRICS_ENV));
    }, { env: {} });
  } finally {
    await b.close();
  }
});

test("the plan passes edge.admin.metricsToken to the proxy as an environment variable, never as a value", () => {
  const r = validateTopology(`
version: 1
name: shop
fleets: { web: { image: nginx:1.27, port: 80 } }
edge:
  listeners: [{ name: web, protocol: http, port: 8080 }]
  routes: [{ match: { pathPrefix: / }, fleet: web }]
  admin: { port: 9901, metricsToken: { secret: METRICS_SCRAPE } }
targets:
  local: { provider: docker }
`);
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join("; "));
  const plan = planDeployment(r.topology, "local");
  assert.equal(plan.proxyConfig.admin.metricsTokenEnv, "EDGEFORM_SECRET_METRICS_SCRAPE");
  assert.equal(plan.edge.secretEnv["EDGEFORM_SECRET_METRICS_SCRAPE"], "METRICS_SCRAPE");
  assert.ok(!JSON.stringify(plan.proxyConfig).includes("m3trics"));
});
