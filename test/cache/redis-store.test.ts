import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startRedis, type TestRedis } from "../support/redis.js";
import { redisStore, eventually } from "./helpers.js";
import { response, storeContract, uniqueUrl } from "./store-contract.js";

let redis: TestRedis;
before(async () => {
  redis = await startRedis();
});
after(async () => {
  await redis?.stop();
});

storeContract("redis", async () => redisStore(redis.url, "contract"));

test("redis store: records expire in Redis and the indexes are pruned by the sweep", async () => {
  const h = await redisStore(redis.url, "sweep");
  try {
    const u = uniqueUrl("/sweep");
    await h.store.set(u, response(u, { tags: ["s"] }), 100);
    assert.match(await redis.command("ZCARD", "ef:{sweep}:ix"), /^:1\r\n$/);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await h.store.sweep(), 1);
    assert.match(await redis.command("ZCARD", "ef:{sweep}:ix"), /^:0\r\n$/);
    assert.match(await redis.command("ZCARD", "ef:{sweep}:ex"), /^:0\r\n$/);
  } finally {
    await h.close();
  }
});

test("redis store: on an idle connection a read goes to Redis at once, not on a later turn of the event loop", async () => {
  // An L2 hit is a Redis round trip plus whatever delays the command: batching
  // it for a later turn (ioredis auto-pipelining) cost ~14 µs per hit.
  const h = await redisStore(redis.url, "prompt");
  try {
    const u = uniqueUrl("/prompt");
    await h.store.set(u, response(u, { body: "prompt" }), 60_000);
    const socket = h.connection.client.stream;
    for (let i = 0; i < 3; i++) {
      const written = socket.bytesWritten;
      const pending = h.store.get(u);
      assert.ok(socket.bytesWritten > written, "the GET was written before get() returned");
      assert.equal(socket.writableLength, 0, "and handed to the kernel, not held in the socket");
      const got = await pending;
      assert.ok(got?.kind === "response" && got.body.toString() === "prompt");
    }
  } finally {
    await h.close();
  }
});

test("redis store: while replies are due, reads issued in one turn of the event loop are held and leave together", async () => {
  const h = await redisStore(redis.url, "coalesce");
  try {
    const u = uniqueUrl("/coalesce");
    const v = uniqueUrl("/coalesce-other");
    await h.store.set(u, response(u, { body: "u" }), 60_000);
    await h.store.set(v, response(v, { body: "v" }), 60_000);
    const socket = h.connection.client.stream;
    const first = h.store.get(u);
    assert.equal(socket.writableLength, 0, "the first read leaves at once");
    const more = Array.from({ length: 10 }, (_, i) => h.store.get(i % 2 ? u : v));
    assert.ok(socket.writableLength > 0, "later reads wait for one write at the end of the turn");
    const [a, ...rest] = await Promise.all([first, ...more]);
    assert.equal(socket.writableLength, 0);
    assert.ok(a?.kind === "response" && a.body.toString() === "u");
    rest.forEach((r, i) => assert.ok(r?.kind === "response" && r.body.toString() === (i % 2 ? "u" : "v"), `read ${i} got its own reply`));
    const after = h.store.get(u);
    assert.equal(socket.writableLength, 0, "once the replies are in, a read leaves at once again");
    assert.ok(await after);
  } finally {
    await h.close();
  }
});

test("redis store: two stores on one Redis see each other's records (the shared tier)", async () => {
  const a = await redisStore(redis.url, "shared");
  const b = await redisStore(redis.url, "shared");
  const other = await redisStore(redis.url, "another-cache");
  try {
    const u = uniqueUrl("/shared");
    await a.store.set(u, response(u, { body: "from a" }), 60_000);
    const got = await b.store.get(u);
    assert.ok(got?.kind === "response" && got.body.toString() === "from a");
    assert.equal(await other.store.get(u), undefined, "caches are namespaced");
  } finally {
    await Promise.all([a.close(), b.close(), other.close()]);
  }
});

test("redis store: when Redis dies, reads and writes fail fast as misses and purges reject; it recovers by itself", async () => {
  const r = await startRedis();
  const h = await redisStore(r.url, "outage", 200);
  try {
    const u = uniqueUrl("/outage");
    await h.store.set(u, response(u), 60_000);
    await r.kill();
    const started = Date.now();
    for (let i = 0; i < 20; i++) {
      assert.equal(await h.store.get(u), undefined);
      await h.store.set(u, response(u), 60_000);
    }
    assert.ok(Date.now() - started < 1000, "no request waits on a dead Redis");
    await assert.rejects(h.store.purgePrefix(u));
    assert.equal(h.connection.up, false);
    assert.ok(h.probe.states.includes(false));
    await r.restart();
    await eventually(() => h.connection.up, 10_000, "the connection is back up");
    await h.store.set(u, response(u, { body: "after" }), 60_000);
    const got = await h.store.get(u);
    assert.ok(got?.kind === "response" && got.body.toString() === "after");
  } finally {
    await h.close();
    await r.stop();
  }
});

test("redis store: a hung Redis costs one timeout, then the tier is skipped until a probe succeeds", async () => {
  const r = await startRedis();
  const h = await redisStore(r.url, "hung", 150);
  try {
    const u = uniqueUrl("/hung");
    await h.store.set(u, response(u), 60_000);
    r.pause();
    const t0 = Date.now();
    assert.equal(await h.store.get(u), undefined, "times out as a miss");
    const firstMs = Date.now() - t0;
    assert.ok(firstMs >= 100 && firstMs < 1000, `first call bounded by the timeout (${firstMs} ms)`);
    const t1 = Date.now();
    for (let i = 0; i < 50; i++) assert.equal(await h.store.get(u), undefined);
    assert.ok(Date.now() - t1 < 100, "later calls skip the tripped tier");
    assert.ok(h.probe.errors >= 1);
    r.resume();
    await eventually(() => h.connection.up, 10_000, "a probe brings the tier back");
    assert.ok(await h.store.get(u));
  } finally {
    r.resume();
    await h.close();
    await r.stop();
  }
});
