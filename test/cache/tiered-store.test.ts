import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { recordSize } from "../../src/proxy/cache/entry.js";
import { MemoryStore } from "../../src/proxy/cache/memory-store.js";
import { TieredStore } from "../../src/proxy/cache/tiered-store.js";
import { startRedis, type TestRedis } from "../support/redis.js";
import { redisStore } from "./helpers.js";
import { response, storeContract, uniqueUrl } from "./store-contract.js";

let redis: TestRedis;
before(async () => {
  redis = await startRedis();
});
after(async () => {
  await redis?.stop();
});

async function tiered(namespace: string) {
  const r = await redisStore(redis.url, namespace);
  const memory = new MemoryStore({ maxBytes: 64 * 1024 * 1024 });
  const store = new TieredStore(memory, r.store);
  return { store, memory, redis: r, close: async () => { await store.close(); await r.close(); } };
}

storeContract("tiered (memory + redis)", async () => tiered("tiered-contract"));

test("tiered store: a Redis hit fills memory, so the next read is local", async () => {
  const a = await tiered("fill");
  const b = await tiered("fill");
  try {
    const u = uniqueUrl("/fill");
    await a.store.set(u, response(u), 60_000);
    assert.equal(b.store.getLocal(u), undefined, "not in b's memory yet");
    assert.ok(await b.store.get(u), "found in Redis");
    assert.ok(b.store.getLocal(u), "now in b's memory");
  } finally {
    await a.close();
    await b.close();
  }
});

test("tiered store: a Redis hit too large for memory is served from Redis and evicts nothing", async () => {
  const r = await redisStore(redis.url, "too-large");
  const small = uniqueUrl("/small");
  const one = recordSize(small, response(small));
  let evictions = 0;
  // Room for the small records, not for the large one: every read of it is an L2 hit.
  const memory = new MemoryStore({ maxBytes: one * 3, onEvict: () => void evictions++ });
  const store = new TieredStore(memory, r.store);
  try {
    const others = [small, uniqueUrl("/small")];
    for (const u of others) memory.setSync(u, response(u), 60_000);
    const bytes = memory.bytes;
    const big = uniqueUrl("/big");
    await r.store.set(big, response(big, { body: Buffer.alloc(one * 4, 1) }), 60_000);
    for (let i = 0; i < 3; i++) {
      const got = await store.get(big);
      assert.ok(got?.kind === "response" && got.body.length === one * 4, "served from Redis");
      assert.equal(store.getLocal(big), undefined, "not kept in memory");
    }
    assert.equal(evictions, 0);
    assert.equal(memory.bytes, bytes, "memory holds what it held before");
    for (const u of others) assert.ok(store.getLocal(u), "the small records are still in memory");
  } finally {
    await store.close();
    await r.close();
  }
});

test("tiered store: purges count each response once across tiers", async () => {
  const t = await tiered("count");
  try {
    const host = uniqueUrl("");
    for (const p of ["/a", "/b"]) await t.store.set(`${host}${p}`, response(`${host}${p}`), 60_000);
    assert.equal(t.memory.entries, 2);
    assert.equal(await t.store.purgePrefix(`${host}/`), 2);
    assert.equal(t.memory.entries, 0);
  } finally {
    await t.close();
  }
});
