import assert from "node:assert/strict";
import { test } from "node:test";
import { MemoryStore } from "../../src/proxy/cache/memory-store.js";
import { recordSize } from "../../src/proxy/cache/entry.js";
import { response, storeContract, uniqueUrl } from "./store-contract.js";

storeContract("memory", async () => {
  const store = new MemoryStore({ maxBytes: 64 * 1024 * 1024 });
  return { store, close: () => store.close() };
});

test("memory store: bounded by bytes, evicting least recently used first", () => {
  const body = Buffer.alloc(1000, 1);
  const urls = [uniqueUrl("/1"), uniqueUrl("/2"), uniqueUrl("/3")];
  const one = recordSize(urls[0]!, response(urls[0]!, { body }));
  let evictions = 0;
  // Room for two records, not three.
  const store = new MemoryStore({ maxBytes: one * 2 + 10, onEvict: () => void evictions++ });
  store.setSync(urls[0]!, response(urls[0]!, { body }), 60_000);
  store.setSync(urls[1]!, response(urls[1]!, { body }), 60_000);
  assert.ok(store.getSync(urls[0]!), "touch /1 so /2 becomes least recently used");
  store.setSync(urls[2]!, response(urls[2]!, { body }), 60_000);
  assert.ok(store.getSync(urls[0]!));
  assert.equal(store.getSync(urls[1]!), undefined, "/2 was evicted");
  assert.ok(store.getSync(urls[2]!));
  assert.equal(evictions, 1);
  assert.ok(store.bytes <= one * 2 + 10);
  assert.equal(store.entries, 2);
});

test("memory store: many small records fit where one large one would not (bytes, not entries)", () => {
  const store = new MemoryStore({ maxBytes: 400_000 });
  for (let i = 0; i < 100; i++) {
    const u = uniqueUrl(`/small/${i}`);
    store.setSync(u, response(u, { body: "x".repeat(100) }), 60_000);
  }
  assert.equal(store.entries, 100);
  const big = uniqueUrl("/big");
  store.setSync(big, response(big, { body: Buffer.alloc(500_000) }), 60_000);
  assert.equal(store.getSync(big), undefined, "a record larger than the whole tier is not stored");
  assert.equal(store.entries, 100, "and evicts nothing");
});

test("memory store: byte accounting returns to zero after deletes and purges", () => {
  const store = new MemoryStore({ maxBytes: 1_000_000 });
  const a = uniqueUrl("/p/a"), b = uniqueUrl("/p/b");
  store.setSync(a, response(a, { tags: ["t"] }), 60_000);
  store.setSync(b, response(b), 60_000);
  store.setSync(b, response(b, { body: "replaced" }), 60_000);
  assert.ok(store.bytes > 0);
  store.deleteSync(a);
  store.purgePrefixSync(b);
  assert.equal(store.bytes, 0);
  assert.equal(store.entries, 0);
  assert.equal(store.purgeTagSync("t"), 0, "the deleted record left the tag index");
});

test("memory store: expiry follows the injected clock", () => {
  let now = 1_000_000;
  const store = new MemoryStore({ maxBytes: 1_000_000, now: () => now });
  const u = uniqueUrl();
  store.setSync(u, response(u), 5_000);
  now += 4_999;
  assert.ok(store.getSync(u));
  now += 1;
  assert.equal(store.getSync(u), undefined);
  assert.equal(store.entries, 0, "an expired record found by get is dropped");
});

test("memory store: a body that is a view of a larger buffer (a Redis reply) is kept as its own copy, counted by its length", () => {
  const reply = Buffer.alloc(64 * 1024, 7);
  const body = reply.subarray(1000, 1512);
  const u = uniqueUrl("/view");
  const own = Buffer.alloc(body.length); // Buffer.alloc never hands out a view of Node's pool
  body.copy(own);
  const owned = recordSize(u, response(u, { body: own }));
  assert.equal(recordSize(u, response(u, { body }), true), owned, "sized as the copy the tier keeps");
  // Room for the record with its own 512-byte body, not for the 64 KiB reply it is a view of.
  const store = new MemoryStore({ maxBytes: owned + 100 });
  store.setSync(u, response(u, { body }), 60_000);
  const kept = store.getSync(u);
  assert.ok(kept?.kind === "response", "stored: the view is not counted as the whole reply");
  assert.deepEqual(kept.body, body);
  assert.equal(kept.body.buffer.byteLength, 512, "the stored body owns its bytes instead of pinning the reply");
  assert.equal(store.bytes, owned);
});

test("memory store: a record read from Redis keeps serving from the reply when it is too large to keep", () => {
  const reply = Buffer.alloc(8 * 1024, 3);
  const body = reply.subarray(100, 4196);
  const u = uniqueUrl("/too-big");
  const store = new MemoryStore({ maxBytes: 1024 });
  const record = response(u, { body });
  store.setSync(u, record, 60_000);
  assert.equal(store.getSync(u), undefined);
  assert.equal(store.bytes, 0);
  assert.equal(record.body, body, "the caller's record is left as it was");
});
