import assert from "node:assert/strict";
import { test } from "node:test";
import { Metrics } from "../../src/plan/metric-names.js";
import { cluster, config, eventually, get, route, sleep, startBackend, withProxy, type Backend } from "./support.js";

async function metricsText(port: number): Promise<string> {
  return (await get(port, "/metrics")).body;
}

test("a backend killed mid-load is ejected and a load of GETs sees zero errors", async () => {
  const bs = await Promise.all([0, 1, 2].map((i) => startBackend(`b${i}`, (_req, res) => setTimeout(() => res.end(`b${i}`), 2))));
  const victim = bs[0]!;
  const outlier = { consecutive5xx: 3, consecutiveConnectFailures: 1, baseEjectionMs: 30_000, maxEjectionMs: 60_000, panicThreshold: 50 };
  const cfg = config([cluster("f", bs, { outlier })], [route("r", "f", { retry: { attempts: 2, on: ["connect-failure", "reset", "gateway-error"] } })]);
  try {
    await withProxy(cfg, async (proxy) => {
      const port = proxy.ports["web"]!;
      const statuses = new Map<number, number>();
      let sent = 0;
      const total = 300;
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          while (sent < total) {
            sent++;
            if (sent === 100) void victim.close();
            const r = await get(port, `/item/${sent}`);
            statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
          }
        }),
      );
      assert.deepEqual([...statuses], [[200, total]], "every GET succeeded");
      const metrics = await metricsText(proxy.ports["admin"]!);
      assert.match(metrics, new RegExp(`${Metrics.ejections}\\{fleet="f",backend="127.0.0.1:${victim.port}"\\} [1-9]`));
      assert.match(metrics, new RegExp(`${Metrics.backendHealthy}\\{fleet="f",backend="127.0.0.1:${victim.port}"\\} 0`));
      assert.match(metrics, new RegExp(`${Metrics.retries}\\{route="r",fleet="f"\\} [1-9]`));
      const before = bs[1]!.seen.length + bs[2]!.seen.length;
      for (let i = 0; i < 20; i++) assert.equal((await get(port)).status, 200);
      assert.equal(bs[1]!.seen.length + bs[2]!.seen.length, before + 20, "the ejected backend gets no traffic");
    });
  } finally {
    await Promise.all(bs.map((b) => b.close()));
  }
});

test("a backend that recovers is readmitted only after the healthy threshold", async () => {
  const handler = (name: string) => (req: import("node:http").IncomingMessage, res: import("node:http").ServerResponse) => res.end(req.url === "/health" ? "ok" : name);
  let b0: Backend = await startBackend("b0", handler("b0"));
  const b1 = await startBackend("b1", handler("b1"));
  const port0 = b0.port;
  const healthCheck = { protocol: "http" as const, path: "/health", expectStatus: [[200, 299]] as Array<[number, number]>, intervalMs: 100, timeoutMs: 80, healthyThreshold: 3, unhealthyThreshold: 2 };
  const cfg = config([cluster("f", [b0, b1], { healthCheck })], [route("r", "f")]);
  try {
    await withProxy(cfg, async (proxy) => {
      const port = proxy.ports["web"]!;
      const served = async (n: number) => {
        const names = new Set<string>();
        for (let i = 0; i < n; i++) names.add((await get(port)).body);
        return names;
      };
      assert.deepEqual(await served(4), new Set(["b0", "b1"]));
      await b0.close();
      await eventually(async () => proxy.readiness().detail["usableBackends"] !== undefined && (proxy.readiness().detail["usableBackends"] as Record<string, number>)["f"] === 1, 3000, "b0 marked unhealthy");
      assert.deepEqual(await served(6), new Set(["b1"]), "an unhealthy backend gets no traffic");
      b0 = await startBackend("b0", handler("b0"), port0);
      const back = Date.now();
      await eventually(async () => (await served(2)).has("b0"), 5000, "b0 readmitted");
      const after = Date.now() - back;
      assert.ok(after >= 180, `readmitted after ${after} ms: needs 3 healthy checks 100 ms apart`);
    });
  } finally {
    await b0.close();
    await b1.close();
  }
});

test("passive ejection never drops the fleet below its panic threshold", async () => {
  const failing = await Promise.all([0, 1].map((i) => startBackend(`b${i}`, (_req, res) => {
    res.statusCode = 500;
    res.end(`b${i}`);
  })));
  const outlier = { consecutive5xx: 1, consecutiveConnectFailures: 1, baseEjectionMs: 30_000, maxEjectionMs: 60_000, panicThreshold: 50 };
  try {
    await withProxy(config([cluster("f", failing, { outlier })], [route("r", "f")]), async (proxy) => {
      const port = proxy.ports["web"]!;
      for (let i = 0; i < 10; i++) assert.equal((await get(port)).status, 500, "backend answers pass through");
      await sleep(10);
      const usable = (proxy.readiness().detail["usableBackends"] as Record<string, number>)["f"];
      assert.equal(usable, 1, "one ejected, the other kept: ejecting it too would leave 0% < 50%");
    });
  } finally {
    await Promise.all(failing.map((b) => b.close()));
  }
});
