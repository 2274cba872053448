import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";
import { Metrics } from "../../src/plan/metric-names.js";
import { cluster, config, get, route, startBackend, withProxy } from "./support.js";

const retryAll = { attempts: 2, on: ["connect-failure", "reset", "timeout", "5xx"] };

/** A port nothing listens on (bound, then closed). */
async function deadPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

test("a POST that reached a backend is never resent, even when its connection breaks", async () => {
  const breakers = await Promise.all(["a", "b"].map((n) => startBackend(n, (req) => req.socket.destroy())));
  try {
    await withProxy(config([cluster("f", breakers)], [route("r", "f", { retry: retryAll })]), async (proxy) => {
      const r = await get(proxy.ports["web"]!, "/orders", { method: "POST", body: "order=1", headers: { "content-type": "text/plain" } });
      assert.equal(r.status, 502);
      assert.equal(breakers[0]!.seen.length + breakers[1]!.seen.length, 1, "the POST reached exactly one backend once");
      const noBody = await get(proxy.ports["web"]!, "/orders", { method: "POST" });
      assert.equal(noBody.status, 502);
      assert.equal(breakers[0]!.seen.length + breakers[1]!.seen.length, 2, "a body-less POST is not idempotent either");
    });
  } finally {
    await Promise.all(breakers.map((b) => b.close()));
  }
});

test("a POST answered 503 is passed through, not retried", async () => {
  const busy = await Promise.all(["a", "b"].map((n) => startBackend(n, (_req, res) => {
    res.statusCode = 503;
    res.end(n);
  })));
  try {
    await withProxy(config([cluster("f", busy)], [route("r", "f", { retry: retryAll })]), async (proxy) => {
      const r = await get(proxy.ports["web"]!, "/", { method: "POST", body: "x" });
      assert.equal(r.status, 503);
      assert.equal(busy[0]!.seen.length + busy[1]!.seen.length, 1);
    });
  } finally {
    await Promise.all(busy.map((b) => b.close()));
  }
});

test("a POST that never reached a backend (connect failure) is retried elsewhere with its body intact", async () => {
  const live = await startBackend("live", (_req, res, body) => res.end(`got:${body.toString()}`));
  try {
    const cfg = config([cluster("f", [{ port: await deadPort() }, live])], [route("r", "f", { retry: { attempts: 1, on: ["connect-failure"] } })]);
    await withProxy(cfg, async (proxy) => {
      for (let i = 0; i < 4; i++) {
        const body = `payload-${i}-${"z".repeat(1000)}`;
        const r = await get(proxy.ports["web"]!, "/", { method: "POST", body });
        assert.equal(r.status, 200);
        assert.equal(r.body, `got:${body}`);
      }
      assert.equal(live.seen.length, 4);
    });
  } finally {
    await live.close();
  }
});

test("an idempotent GET is retried on another backend when the route says so", async () => {
  const bad = await startBackend("bad", (_req, res) => {
    res.statusCode = 503;
    res.end("bad");
  });
  const good = await startBackend("good");
  try {
    await withProxy(config([cluster("f", [bad, good])], [route("r", "f", { retry: { attempts: 1, on: ["503"] } })]), async (proxy) => {
      for (let i = 0; i < 10; i++) {
        const r = await get(proxy.ports["web"]!);
        assert.equal(r.status, 200);
        assert.equal(r.body, "good");
      }
      assert.ok(bad.seen.length >= 1 && bad.seen.length <= 10);
      const m = (await get(proxy.ports["admin"]!, "/metrics")).body;
      assert.match(m, new RegExp(`${Metrics.retries}\\{route="r",fleet="f"\\} ${bad.seen.length}`));
    });
  } finally {
    await bad.close();
    await good.close();
  }
});

test("without a matching retry condition, or with the retry budget spent, the failure is returned", async () => {
  const bad = await startBackend("bad", (_req, res) => {
    res.statusCode = 502;
    res.end("bad");
  });
  const good = await startBackend("good");
  try {
    const noBudget = { ratio: 0, minPerSecond: 0 };
    await withProxy(config([cluster("f", [bad, good])], [route("r", "f", { retry: { attempts: 3, on: ["gateway-error"] } })], { retryBudget: noBudget }), async (proxy) => {
      const statuses = new Set<number>();
      for (let i = 0; i < 6; i++) statuses.add((await get(proxy.ports["web"]!)).status);
      assert.deepEqual(statuses, new Set([200, 502]));
      const m = (await get(proxy.ports["admin"]!, "/metrics")).body;
      assert.match(m, new RegExp(`${Metrics.retriesBudgetExhausted}\\{route="r",fleet="f"\\} 3`));
    });
  } finally {
    await bad.close();
    await good.close();
  }
});

test("a backend that does not answer in time gets 504, and a timeout can be retried elsewhere", async () => {
  const silent = await startBackend("silent", () => {});
  const good = await startBackend("good");
  try {
    const timeouts = { connectMs: 500, responseMs: 200, idleMs: 1000 };
    await withProxy(config([cluster("f", [silent])], [route("r", "f", { timeouts })]), async (proxy) => {
      const started = Date.now();
      const r = await get(proxy.ports["web"]!);
      assert.equal(r.status, 504);
      assert.match(r.body, /did not send response headers in time/);
      assert.ok(Date.now() - started < 2000);
    });
    await withProxy(config([cluster("f", [silent, good])], [route("r", "f", { timeouts, retry: { attempts: 1, on: ["timeout"] } })]), async (proxy) => {
      for (let i = 0; i < 4; i++) assert.equal((await get(proxy.ports["web"]!)).body, "good");
    });
  } finally {
    await silent.close();
    await good.close();
  }
});

test("no usable backend: 503 from the proxy", async () => {
  await withProxy(config([cluster("f", [])], [route("r", "f")]), async (proxy) => {
    const r = await get(proxy.ports["web"]!);
    assert.equal(r.status, 503);
    assert.match(r.body, /no usable backend in fleet "f"/);
    const m = (await get(proxy.ports["admin"]!, "/metrics")).body;
    assert.match(m, new RegExp(`${Metrics.upstreamErrors}\\{route="r",fleet="f",reason="no-backend"\\} 1`));
  });
});
