import assert from "node:assert/strict";
import { test } from "node:test";
import { Metrics } from "../../src/plan/metric-names.js";
import { sameSecret } from "../../src/proxy/runtime/admin.js";
import { cluster, config, eventually, get, route, startBackend, withProxy } from "./support.js";

const TOKEN_ENV = "EDGEFORM_SECRET_TEST_ADMIN";
const QUICK_CHECK = { protocol: "tcp" as const, path: "/", expectStatus: [[200, 399]] as Array<[number, number]>, intervalMs: 50, timeoutMs: 200, healthyThreshold: 1, unhealthyThreshold: 1 };

test("state-changing admin endpoints are disabled (403, with how to enable them) when no token is configured", async () => {
  const b = await startBackend("b");
  try {
    await withProxy(config([cluster("f", [b])], [route("r", "f")]), async (proxy) => {
      const admin = proxy.ports["admin"]!;
      for (const path of ["/reload", "/purge"]) {
        const r = await get(admin, path, { method: "POST", body: "{}" });
        assert.equal(r.status, 403);
        assert.match(r.body, /no admin token is configured/);
        assert.match(r.body, /edge\.admin\.token/);
      }
      assert.equal((await get(admin, "/healthz")).status, 200);
      assert.equal((await get(admin, "/metrics")).status, 200, "read-only endpoints need no token");
    });
  } finally {
    await b.close();
  }
});

test("with a token: missing or wrong bearer → 401, right bearer → reload and purge run", async () => {
  const b = await startBackend("b");
  const env = { [TOKEN_ENV]: "s3cret-token" };
  try {
    const cfg = config([cluster("f", [b])], [route("r", "f")], { admin: { host: "127.0.0.1", port: 0, tokenEnv: TOKEN_ENV } });
    await withProxy(cfg, async (proxy) => {
      const admin = proxy.ports["admin"]!;
      assert.equal((await get(admin, "/reload", { method: "POST" })).status, 401);
      assert.equal((await get(admin, "/reload", { method: "POST", headers: { authorization: "Bearer wrong" } })).status, 401);
      assert.equal((await get(admin, "/reload", { method: "POST", headers: { authorization: "Basic s3cret-token" } })).status, 401);
      const ok = await get(admin, "/reload", { method: "POST", headers: { authorization: "Bearer s3cret-token" } });
      assert.equal(ok.status, 200);
      assert.deepEqual(JSON.parse(ok.body), { reloaded: true });
      const purge = await get(admin, "/purge", { method: "POST", headers: { authorization: "Bearer s3cret-token" }, body: JSON.stringify({ prefix: "http://a/" }) });
      assert.equal(purge.status, 200, purge.body);
      assert.deepEqual(JSON.parse(purge.body), { purged: 0 });
      const bad = await get(admin, "/purge", { method: "POST", headers: { authorization: "Bearer s3cret-token" }, body: "{}" });
      assert.equal(bad.status, 400);
      assert.equal((await get(admin, "/reload")).status, 405);
    }, { env });
  } finally {
    await b.close();
  }
});

test("sameSecret compares in constant time whatever the lengths", () => {
  assert.equal(sameSecret("abc", "abc"), true);
  assert.equal(sameSecret("abc", "abd"), false);
  assert.equal(sameSecret("abc", "abcdef"), false);
  assert.equal(sameSecret("", "x"), false);
});

test("one fleet down: the other routes keep serving, /healthz and /readyz stay 200 (liveness never depends on a fleet)", async () => {
  const up = await startBackend("up");
  const down = await startBackend("down");
  try {
    const cfg = config([cluster("alive", [up]), cluster("dead", [down], { healthCheck: QUICK_CHECK })], [route("dead", "dead", { match: { pathPrefix: "/dead/" } }), route("alive", "alive")]);
    await withProxy(cfg, async (proxy) => {
      const admin = proxy.ports["admin"]!;
      await down.close();
      await eventually(async () => (proxy.readiness().detail["usableBackends"] as Record<string, number>)["dead"] === 0, 5000, "the active check marks the dead fleet's only backend down");
      // Every backend of "dead" is gone: its route fails, the other one serves.
      const failed = await get(proxy.ports["web"]!, "/dead/x");
      assert.ok(failed.status >= 500, `the dead fleet's route fails (${failed.status})`);
      const served = await get(proxy.ports["web"]!, "/hello");
      assert.equal(served.status, 200);
      assert.equal(served.headers["x-backend"], "up");
      assert.equal((await get(admin, "/healthz")).status, 200);
      const ready = await get(admin, "/readyz");
      assert.equal(ready.status, 200, "a replica with one fleet down still takes traffic for the others");
      assert.equal(JSON.parse(ready.body).ready, true);
      assert.deepEqual(JSON.parse(ready.body).usableBackends, { alive: 1, dead: 0 }, "the detail still reports the fleet without a usable backend");
    });
  } finally {
    await up.close();
  }
});

test("/readyz answers 503 once the replica drains (shutdown), while in-flight work finishes", async () => {
  const b = await startBackend("b");
  try {
    await withProxy(config([cluster("f", [b])], [route("r", "f")]), async (proxy) => {
      const admin = proxy.ports["admin"]!;
      assert.equal((await get(admin, "/readyz")).status, 200);
      assert.equal(proxy.readiness().ready, true);
      const closing = proxy.close();
      assert.equal(proxy.readiness().ready, false, "a draining replica should get no new traffic");
      await closing;
    });
  } finally {
    await b.close();
  }
});

test("/metrics exposes every name from plan/metric-names.ts", async () => {
  const b = await startBackend("b", (_req, res) => {
    res.setHeader("cache-control", "max-age=60");
    res.end("ok");
  });
  try {
    const cfg = config([cluster("f", [b])], [route("r", "f", { cache: { cache: "edge", keyQuery: "keep", cacheSetCookie: false } })], {
      caches: [{ name: "edge", memory: { maxBytes: 1 << 20, maxObjectBytes: 1 << 16 }, heuristicFreshness: false, defaultStaleIfErrorMs: 0 }],
    });
    await withProxy(cfg, async (proxy) => {
      await get(proxy.ports["web"]!, "/a");
      const text = (await get(proxy.ports["admin"]!, "/metrics")).body;
      for (const name of Object.values(Metrics)) assert.match(text, new RegExp(`^# TYPE ${name} `, "m"), `${name} is exported`);
      assert.match(text, new RegExp(`^${Metrics.httpRequests}\\{listener="web",route="r",fleet="f",backend="127.0.0.1:${b.port}",status_class="2xx"\\} 1$`, "m"));
      assert.match(text, new RegExp(`^${Metrics.httpRequestDuration}_count\\{route="r",fleet="f",backend="127.0.0.1:${b.port}",status_class="2xx"\\} 1$`, "m"));
      assert.match(text, new RegExp(`^${Metrics.openConnections}\\{listener="web"\\} \\d+$`, "m"));
      assert.match(text, new RegExp(`^${Metrics.configInfo}\\{hash="[0-9a-f]{12}"\\} `, "m"));
      assert.doesNotMatch(text, /^process_|^nodejs_/m, "only edgeform's own metric names");
    });
  } finally {
    await b.close();
  }
});
