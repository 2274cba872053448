import assert from "node:assert/strict";
import { test } from "node:test";
import type { BalancerConfig } from "../../src/plan/proxy-config.js";
import { cluster, config, distribution, get, route, startBackend, withProxy, type Backend } from "./support.js";

async function backends(n: number, delays: number[] = []): Promise<Backend[]> {
  return Promise.all(
    Array.from({ length: n }, (_, i) =>
      startBackend(`b${i}`, (_req, res) => {
        setTimeout(() => res.end(`b${i}`), delays[i] ?? 0);
      }),
    ),
  );
}

async function withBalancer(bs: Backend[], balancer: BalancerConfig, fn: (port: number) => Promise<void>, weights: number[] = []): Promise<void> {
  const cfg = config([cluster("f", bs.map((b, i) => ({ port: b.port, weight: weights[i] ?? 1 })))], [route("r", "f", { balancer })]);
  try {
    await withProxy(cfg, (proxy) => fn(proxy.ports["web"]!));
  } finally {
    await Promise.all(bs.map((b) => b.close()));
  }
}

/** Runs `total` requests with `concurrency` in flight; returns counts per backend. */
async function concurrent(port: number, total: number, concurrency: number): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        next++;
        const r = await get(port);
        counts.set(r.body, (counts.get(r.body) ?? 0) + 1);
      }
    }),
  );
  return counts;
}

test("round-robin spreads requests evenly", async () => {
  await withBalancer(await backends(3), { algorithm: "round-robin" }, async (port) => {
    const d = await distribution(port, 30);
    assert.deepEqual([...d.values()].sort(), [10, 10, 10]);
  });
});

test("weighted round-robin follows the weights exactly over a cycle", async () => {
  await withBalancer(await backends(3), { algorithm: "weighted-round-robin" }, async (port) => {
    const d = await distribution(port, 60);
    assert.deepEqual([d.get("b0"), d.get("b1"), d.get("b2")], [10, 20, 30]);
  }, [1, 2, 3]);
});

test("least-request (power of two choices) sends little to a backend that holds requests long", async () => {
  await withBalancer(await backends(3, [300, 0, 0]), { algorithm: "least-request" }, async (port) => {
    const d = await concurrent(port, 90, 6);
    const slow = d.get("b0") ?? 0;
    assert.ok(slow < 90 * 0.2, `slow backend got ${slow} of 90`);
    assert.ok((d.get("b1") ?? 0) > 20 && (d.get("b2") ?? 0) > 20, `fast backends share the rest: ${JSON.stringify([...d])}`);
  });
});

test("peak-EWMA learns latency and prefers the fast backends", async () => {
  await withBalancer(await backends(3, [80, 0, 0]), { algorithm: "peak-ewma" }, async (port) => {
    await distribution(port, 10);
    const d = await distribution(port, 60);
    const slow = d.get("b0") ?? 0;
    assert.ok(slow < 60 * 0.2, `slow backend got ${slow} of 60`);
  });
});

test("consistent hashing keeps each key on one backend and spreads keys", async () => {
  await withBalancer(await backends(3), { algorithm: "consistent-hash", hashKey: "header:x-user" }, async (port) => {
    const owner = new Map<string, string>();
    for (let round = 0; round < 3; round++) {
      for (let k = 0; k < 40; k++) {
        const r = await get(port, "/", { headers: { "x-user": `user-${k}` } });
        const prev = owner.get(`user-${k}`);
        if (prev !== undefined) assert.equal(r.body, prev, `user-${k} moved`);
        owner.set(`user-${k}`, r.body);
      }
    }
    const perBackend = new Map<string, number>();
    for (const b of owner.values()) perBackend.set(b, (perBackend.get(b) ?? 0) + 1);
    assert.equal(perBackend.size, 3, `keys spread over every backend: ${JSON.stringify([...perBackend])}`);
    for (const n of perBackend.values()) assert.ok(n >= 4, `each backend owns a fair share of 40 keys: ${JSON.stringify([...perBackend])}`);
  });
});

test("consistent hashing by cookie and by path", async () => {
  await withBalancer(await backends(3), { algorithm: "consistent-hash", hashKey: "cookie:session" }, async (port) => {
    const first = await get(port, "/", { headers: { cookie: "theme=dark; session=s-42" } });
    for (let i = 0; i < 10; i++) {
      const again = await get(port, `/other/${i}`, { headers: { cookie: `session=s-42; n=${i}` } });
      assert.equal(again.body, first.body);
    }
  });
  await withBalancer(await backends(3), { algorithm: "consistent-hash", hashKey: "path" }, async (port) => {
    const first = await get(port, "/item/7?x=1");
    for (let i = 0; i < 10; i++) assert.equal((await get(port, `/item/7?x=${i}`)).body, first.body, "the query does not change the key");
  });
});

test("random spreads requests over every backend", async () => {
  await withBalancer(await backends(3), { algorithm: "random" }, async (port) => {
    const d = await distribution(port, 240);
    for (const name of ["b0", "b1", "b2"]) {
      const n = d.get(name) ?? 0;
      assert.ok(n > 240 * 0.2 && n < 240 * 0.47, `${name} got ${n} of 240`);
    }
  });
});

test("a weighted backend with weight 0 receives nothing", async () => {
  await withBalancer(await backends(2), { algorithm: "weighted-round-robin" }, async (port) => {
    const d = await distribution(port, 20);
    assert.equal(d.get("b0"), undefined);
    assert.equal(d.get("b1"), 20);
  }, [0, 1]);
});
