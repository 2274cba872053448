/** The cache layer with the shared Redis tier: two "proxies" sharing L2, purges across both, Redis failures. */
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { after, afterEach, before, describe, test } from "node:test";
import { pino } from "pino";
import { isEdgeformError } from "../../src/errors.js";
import { Metrics } from "../../src/plan/metric-names.js";
import { startRedis, type TestRedis } from "../support/redis.js";
import { eventually } from "./helpers.js";
import { FakeClock, LayerHarness } from "./layer-harness.js";
import { ScriptedOrigin } from "./origin.js";

describe("cache layer with a shared Redis tier", () => {
  let redis: TestRedis;
  let origin: ScriptedOrigin;
  let clock: FakeClock;
  const open: LayerHarness[] = [];

  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    await redis?.stop();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((h) => h.close()));
    await origin?.close();
  });

  /** Waits until Redis holds `n` records of cache `name` (writes to Redis finish after the response). */
  async function redisHolds(name: string, n: number): Promise<void> {
    await eventually(async () => (await redis.command("ZCARD", `ef:{${name}}:ix`)) === `:${n}\r\n`, 3000, `Redis holds ${n} records of ${name}`);
  }

  /** Two layers ("proxies" A and B) with their own memory tiers, one Redis, one origin. */
  async function pair(name: string, timeoutMs = 250): Promise<[LayerHarness, LayerHarness]> {
    clock = new FakeClock();
    origin = await ScriptedOrigin.start(clock.now);
    const config = { name, redis: { url: redis.url, timeoutMs } };
    const a = await LayerHarness.start({ config, origin, clock });
    const b = await LayerHarness.start({ config, origin, clock });
    open.push(a, b);
    assert.ok(await a.layer.ready(5000), "A connected to Redis");
    assert.ok(await b.layer.ready(5000), "B connected to Redis");
    return [a, b];
  }

  test("a response stored by proxy A is an L2 hit on proxy B, which then serves it from memory", async () => {
    const [a, b] = await pair("shared-l2");
    origin.script("/doc", { headers: { "cache-control": "max-age=60", etag: '"d"' }, body: "shared" });
    assert.equal((await a.send("/doc")).cacheStatus, "edgeform; fwd=miss; stored");
    await eventually(async () => (await redis.command("EXISTS", "ef:{shared-l2}:e:https://shop.test/doc")) === ":1\r\n", 2000, "A wrote to Redis");
    const fromB = await b.send("/doc");
    assert.equal(fromB.body, "shared");
    assert.equal(fromB.cacheStatus, "edgeform; hit; ttl=60; detail=l2");
    assert.equal((await b.send("/doc")).cacheStatus, "edgeform; hit; ttl=60", "now from B's memory");
    assert.equal(origin.count("/doc"), 1);
    assert.equal(await b.metric(Metrics.cacheLookups, { cache: "shared-l2", tier: "redis", result: "hit" }), 1);
    assert.equal(await b.metric(Metrics.cacheRedisUp, { cache: "shared-l2" }), 1);
  });

  test("Vary variants are shared through Redis too", async () => {
    const [a, b] = await pair("shared-vary");
    origin.script("/v", (r) => ({ headers: { "cache-control": "max-age=60", vary: "accept-encoding" }, body: String(r.headers["accept-encoding"]) }));
    await a.send("/v", { "accept-encoding": "gzip" });
    await a.send("/v", { "accept-encoding": "br" });
    await redisHolds("shared-vary", 3);
    assert.equal((await b.send("/v", { "accept-encoding": "br" })).body, "br");
    assert.equal((await b.send("/v", { "accept-encoding": "gzip" })).body, "gzip");
    assert.equal(origin.count("/v"), 2);
  });

  test("a purge on A removes the response from Redis and from B's memory (pub/sub)", async () => {
    const [a, b] = await pair("purge-both");
    origin.script("/p", { headers: { "cache-control": "max-age=60", "surrogate-key": "product-1" }, body: "p" });
    origin.script("/q", { headers: { "cache-control": "max-age=60", "surrogate-key": "product-1" }, body: "q" });
    for (const [i, path] of ["/p", "/q"].entries()) {
      await a.send(path);
      await redisHolds("purge-both", i + 1);
      assert.match((await b.send(path)).cacheStatus, /hit/);
    }
    assert.equal(b.layer.store.memory.entries, 2);
    assert.equal(await a.layer.purge({ url: "https://shop.test/p" }), 1);
    await eventually(() => b.layer.store.getLocal("https://shop.test/p") === undefined, 2000, "B dropped /p from memory");
    assert.match((await b.send("/p")).cacheStatus, /fwd=miss/);
    assert.equal(await a.layer.purge({ surrogateKey: "product-1" }), 2, "/p (refetched by B) and /q");
    await eventually(() => b.layer.store.memory.entries === 0, 2000, "B dropped the tagged responses");
    assert.match((await a.send("/q")).cacheStatus, /fwd=miss/);
  });

  test("an invalidating POST through A reaches B's memory too", async () => {
    const [a, b] = await pair("invalidate-both");
    origin.script("/cart", (r) => (r.method === "POST" ? { status: 200, body: "updated" } : { headers: { "cache-control": "max-age=60" }, body: "cart" }));
    await a.send("/cart");
    await redisHolds("invalidate-both", 1);
    await b.send("/cart");
    await a.send("/cart", {}, "POST");
    await eventually(() => b.layer.store.getLocal("https://shop.test/cart") === undefined, 2000, "B invalidated /cart");
  });

  test("Redis killed under load: no request fails, redis_up drops to 0, errors are counted, and it recovers by itself", async () => {
    const r = await startRedis();
    try {
      clock = new FakeClock();
      origin = await ScriptedOrigin.start(clock.now);
      origin.script("/item", (req) => ({ headers: { "cache-control": "max-age=300" }, body: `item ${req.url}` }));
      const config = { name: "outage", redis: { url: r.url, timeoutMs: 200 } };
      const a = await LayerHarness.start({ config, origin, clock });
      const b = await LayerHarness.start({ config, origin, clock });
      open.push(a, b);
      assert.ok(await a.layer.ready(5000));
      assert.ok(await b.layer.ready(5000));

      let failures = 0;
      let served = 0;
      let servedWhileDown = 0;
      let down = false;
      let sawDown = false;
      let stop = false;
      const worker = async (w: number) => {
        for (let i = 0; !stop; i++) {
          const h = (i + w) % 2 === 0 ? a : b;
          // Half the requests are new URLs, so Redis always has commands in flight when it dies
          // (an idle connection that closes fails no command, and counts no error).
          const path = i % 2 === 0 ? `/item?id=${(i * 7 + w * 13) % 400}` : `/item?new=${w}-${i}`;
          try {
            const res = await h.send(path);
            if (res.status === 200 && res.body.startsWith("item ")) {
              served++;
              if (down) servedWhileDown++;
            }
            else failures++;
          } catch {
            failures++;
          }
          // Memory hits resolve without I/O; yield so timers (and the test's schedule) still run.
          await new Promise((res) => setImmediate(res));
        }
      };
      const load = Promise.all([0, 1, 2, 3].map(worker));
      await new Promise((res) => setTimeout(res, 400));
      await r.kill();
      down = true;
      await eventually(async () => (sawDown = (await a.metric(Metrics.cacheRedisUp, { cache: "outage" })) === 0), 3000, "redis_up is 0");
      await new Promise((res) => setTimeout(res, 500));
      down = false;
      await r.restart();
      await eventually(async () => (await a.metric(Metrics.cacheRedisUp, { cache: "outage" })) === 1 && (await b.metric(Metrics.cacheRedisUp, { cache: "outage" })) === 1, 10_000, "redis_up is back to 1");
      await new Promise((res) => setTimeout(res, 300));
      stop = true;
      await load;

      assert.equal(failures, 0, "zero failed requests");
      assert.ok(servedWhileDown > 20, `served ${servedWhileDown} requests while Redis was down (${served} in all)`);
      assert.ok(sawDown);
      assert.ok((await a.metric(Metrics.cacheRedisErrors, { cache: "outage" })) + (await b.metric(Metrics.cacheRedisErrors, { cache: "outage" })) >= 1);
      // After recovery the shared tier works again: a fresh "proxy" gets A's new entry from Redis.
      // (Each try uses a new URL: on a loaded machine a late timeout may trip the tier for a moment,
      // and a write made while it is tripped is skipped by design.)
      origin.script("/after", { headers: { "cache-control": "max-age=60" }, body: "after" });
      const c = await LayerHarness.start({ config, origin, clock });
      open.push(c);
      assert.ok(await c.layer.ready(5000));
      let path = "";
      let attempt = 0;
      await eventually(async () => {
        path = `/after?try=${++attempt}`;
        await a.send(path);
        await new Promise((res) => setTimeout(res, 100));
        return (await c.layer.store.getShared(`https://shop.test${path}`)) !== undefined;
      }, 8000, "A's writes reach the restarted Redis");
      assert.match((await c.send(path)).cacheStatus, /hit/);
      assert.equal(origin.requests.filter((q) => q.url === path).length, 1);
    } finally {
      await r.stop();
    }
  });

  test("a Redis outage is logged once when it starts and once when it ends, not per request", async () => {
    const r = await startRedis();
    const lines: Array<{ level: number; msg: string }> = [];
    const logger = pino({ level: "info" }, new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(JSON.parse(chunk.toString()) as { level: number; msg: string });
        cb();
      },
    }));
    try {
      clock = new FakeClock();
      origin = await ScriptedOrigin.start(clock.now);
      origin.script("/l", (req) => ({ headers: { "cache-control": "max-age=60" }, body: req.url }));
      const a = await LayerHarness.start({ config: { name: "logged", redis: { url: r.url, timeoutMs: 150 } }, origin, clock, logger });
      open.push(a);
      assert.ok(await a.layer.ready(5000));
      await r.kill();
      for (let i = 0; i < 50; i++) assert.equal((await a.send(`/l?i=${i}`)).status, 200);
      await r.restart();
      await eventually(async () => (await a.metric(Metrics.cacheRedisUp, { cache: "logged" })) === 1, 10_000, "redis_up is 1 again");
      for (let i = 0; i < 10; i++) await a.send(`/l?j=${i}`);
      const warnings = lines.filter((l) => l.level === 40 && /unavailable/.test(l.msg));
      const recoveries = lines.filter((l) => l.level === 30 && /back/.test(l.msg));
      assert.equal(warnings.length, 1, JSON.stringify(lines));
      assert.equal(recoveries.length, 1, JSON.stringify(lines));
    } finally {
      await r.stop();
    }
  });

  test("a memory tier that may have missed purges is dropped when the purge channel reconnects", async () => {
    const r = await startRedis();
    try {
      clock = new FakeClock();
      origin = await ScriptedOrigin.start(clock.now);
      origin.script("/m", { headers: { "cache-control": "max-age=60" }, body: "m" });
      const a = await LayerHarness.start({ config: { name: "missed", redis: { url: r.url, timeoutMs: 200 } }, origin, clock });
      open.push(a);
      assert.ok(await a.layer.ready(5000));
      await a.send("/m");
      assert.equal(a.layer.store.memory.entries, 1);
      await r.kill();
      assert.match((await a.send("/m")).cacheStatus, /hit/, "memory keeps serving while Redis is down");
      await r.restart();
      await eventually(() => a.layer.store.memory.entries === 0, 10_000, "memory tier dropped after reconnect");
    } finally {
      await r.stop();
    }
  });

  test("a hung Redis costs at most one timeout; requests keep being answered", async () => {
    const r = await startRedis();
    try {
      clock = new FakeClock();
      origin = await ScriptedOrigin.start(clock.now);
      origin.script("/slow", (req) => ({ headers: { "cache-control": "max-age=60" }, body: req.url }));
      const a = await LayerHarness.start({ config: { name: "hung", redis: { url: r.url, timeoutMs: 150 } }, origin, clock });
      open.push(a);
      assert.ok(await a.layer.ready(5000));
      r.pause();
      let worst = 0;
      for (let i = 0; i < 40; i++) {
        const t0 = Date.now();
        const res = await a.send(`/slow?i=${i}`);
        worst = Math.max(worst, Date.now() - t0);
        assert.equal(res.status, 200);
      }
      assert.ok(worst < 1000, `worst latency ${worst} ms`);
      r.resume();
      await eventually(async () => (await a.metric(Metrics.cacheRedisUp, { cache: "hung" })) === 1, 10_000, "the tier comes back after SIGCONT");
    } finally {
      r.resume();
      await r.stop();
    }
  });

  test("a purge while Redis is down clears local memory and reports EF_PROXY_CACHE_PURGE", async () => {
    const r = await startRedis();
    try {
      clock = new FakeClock();
      origin = await ScriptedOrigin.start(clock.now);
      origin.script("/x", { headers: { "cache-control": "max-age=60" }, body: "x" });
      const a = await LayerHarness.start({ config: { name: "purge-down", redis: { url: r.url, timeoutMs: 150 } }, origin, clock });
      open.push(a);
      assert.ok(await a.layer.ready(5000));
      await a.send("/x");
      await r.kill();
      await eventually(async () => (await a.metric(Metrics.cacheRedisUp, { cache: "purge-down" })) === 0, 3000, "redis_up is 0");
      await assert.rejects(a.layer.purge({ url: "https://shop.test/x" }), (e: unknown) => isEdgeformError(e) && e.code === "EF_PROXY_CACHE_PURGE" && /purged 1 response/.test(e.message));
      assert.equal(a.layer.store.memory.entries, 0);
    } finally {
      await r.stop();
    }
  });
});
