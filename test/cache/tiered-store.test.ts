import assert from "node:assert/strict";
import { after, before, test } from "node:test";
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
