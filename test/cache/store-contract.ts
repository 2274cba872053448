/**
 * The one contract every cache store meets (after undici's
 * test/cache-interceptor/cache-store-test-utils): run it with a factory for
 * each store implementation.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { CacheRecord, StoredResponse, VaryMarker } from "../../src/proxy/cache/entry.js";
import type { CacheStore } from "../../src/proxy/cache/store.js";

export interface StoreHarness {
  store: CacheStore;
  close(): Promise<void>;
}

let seq = 0;
/** Keys unique per test, so stores shared across tests do not interfere. */
export function uniqueUrl(path = "/a"): string {
  return `https://contract-${process.pid}-${++seq}.test${path}`;
}

export function response(url: string, options: { body?: Buffer | string; tags?: string[]; ttlMs?: number; status?: number } = {}): StoredResponse {
  const now = Date.now();
  const body = Buffer.isBuffer(options.body) ? options.body : Buffer.from(options.body ?? `body of ${url}`);
  return {
    kind: "response",
    url,
    status: options.status ?? 200,
    headers: { "content-type": "text/plain", "content-length": String(body.length), "set-cookie": ["a=1", "b=2"], date: new Date(now).toUTCString() },
    body,
    requestTime: now - 5,
    responseTime: now,
    correctedInitialAge: 5,
    lifetime: 60_000,
    staleWhileRevalidate: 0,
    staleIfError: 0,
    noClientStale: false,
    alwaysValidate: false,
    authorizedReuse: false,
    tags: options.tags ?? [],
    expiresAt: now + (options.ttlMs ?? 60_000),
  };
}

export function marker(url: string): VaryMarker {
  return { kind: "vary", url, nameSets: [["accept-encoding"]], tags: [], expiresAt: Date.now() + 60_000 };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function assertSameRecord(actual: CacheRecord | undefined, expected: CacheRecord): void {
  assert.ok(actual, "record should be found");
  if (expected.kind === "response") {
    assert.equal(actual.kind, "response");
    assert.deepEqual({ ...actual, body: undefined }, { ...expected, body: undefined });
    assert.ok(actual.body.equals(expected.body), "body bytes round-trip");
  } else {
    assert.deepEqual(actual, expected);
  }
}

export function storeContract(name: string, factory: () => Promise<StoreHarness>): void {
  describe(`CacheStore contract: ${name}`, () => {
    let h: StoreHarness;
    let store: CacheStore;
    before(async () => {
      h = await factory();
      store = h.store;
    });
    after(async () => {
      await h?.close();
    });

    test("get of an unknown key is undefined", async () => {
      assert.equal(await store.get(uniqueUrl()), undefined);
    });

    test("set then get returns the same record, headers, times and body", async () => {
      const url = uniqueUrl();
      const r = response(url, { tags: ["t1"] });
      await store.set(url, r, 60_000);
      assertSameRecord(await store.get(url), r);
    });

    test("bodies are binary-safe (every byte value, and empty)", async () => {
      const url = uniqueUrl();
      const bytes = Buffer.alloc(512);
      for (let i = 0; i < bytes.length; i++) bytes[i] = i % 256;
      await store.set(url, response(url, { body: bytes }), 60_000);
      const got = await store.get(url);
      assert.equal(got?.kind, "response");
      assert.ok(got.kind === "response" && got.body.equals(bytes));
      const empty = uniqueUrl();
      await store.set(empty, response(empty, { body: Buffer.alloc(0), status: 204 }), 60_000);
      const e = await store.get(empty);
      assert.ok(e?.kind === "response" && e.body.length === 0 && e.status === 204);
    });

    test("vary markers round-trip", async () => {
      const url = uniqueUrl();
      const m = marker(url);
      await store.set(url, m, 60_000);
      assertSameRecord(await store.get(url), m);
    });

    test("keys may hold unicode, spaces, query strings and the variant separator", async () => {
      for (const path of ["/ünï cødé?q=ü&x=1", "/a\0variant-signature", "/%2F..%2F"]) {
        const url = uniqueUrl(path);
        await store.set(url, response(url), 60_000);
        assert.equal((await store.get(url))?.url, url, path);
      }
    });

    test("set replaces an earlier record under the same key", async () => {
      const url = uniqueUrl();
      await store.set(url, response(url, { body: "first" }), 60_000);
      await store.set(url, response(url, { body: "second" }), 60_000);
      const got = await store.get(url);
      assert.ok(got?.kind === "response");
      assert.equal(got.body.toString(), "second");
    });

    test("a record is gone after its TTL", async () => {
      const url = uniqueUrl();
      await store.set(url, response(url, { ttlMs: 150 }), 150);
      assert.ok(await store.get(url), "present before the TTL");
      await sleep(400);
      assert.equal(await store.get(url), undefined);
    });

    test("a zero or negative TTL stores nothing", async () => {
      const url = uniqueUrl();
      await store.set(url, response(url), 0);
      assert.equal(await store.get(url), undefined);
    });

    test("delete removes the record and reports whether it existed", async () => {
      const url = uniqueUrl();
      await store.set(url, response(url), 60_000);
      assert.equal(await store.delete(url), true);
      assert.equal(await store.get(url), undefined);
      assert.equal(await store.delete(url), false);
    });

    test("purgePrefix removes exactly the keys under the prefix and counts responses only", async () => {
      const host = uniqueUrl("");
      const inside = [`${host}/static/a.css`, `${host}/static/b.js`, `${host}/static/deep/c.png`];
      const outside = [`${host}/staticfile`, `${host}/other/static/x`, `${host}/`];
      for (const u of [...inside, ...outside]) await store.set(u, response(u), 60_000);
      await store.set(`${host}/static/varied`, marker(`${host}/static/varied`), 60_000);
      assert.equal(await store.purgePrefix(`${host}/static/`), 3);
      for (const u of inside) assert.equal(await store.get(u), undefined, u);
      assert.equal(await store.get(`${host}/static/varied`), undefined, "vary marker purged too");
      for (const u of outside) assert.ok(await store.get(u), u);
      assert.equal(await store.purgePrefix(`${host}/static/`), 0, "nothing left to purge");
    });

    test("purgePrefix handles more records than one purge batch", async () => {
      const host = uniqueUrl("");
      const urls = Array.from({ length: 620 }, (_, i) => `${host}/bulk/${i}`);
      await Promise.all(urls.map((u) => store.set(u, response(u, { body: "x" }), 60_000)));
      assert.equal(await store.purgePrefix(`${host}/bulk/`), urls.length);
      assert.equal(await store.get(urls[0]!), undefined);
      assert.equal(await store.get(urls[619]!), undefined);
    });

    test("purgeTag removes every record with the surrogate key, and no other", async () => {
      const host = uniqueUrl("");
      const tag = `product-${seq}`;
      const a = `${host}/p/1`, b = `${host}/p/2`, c = `${host}/p/3`;
      await store.set(a, response(a, { tags: [tag, "all"] }), 60_000);
      await store.set(b, response(b, { tags: [tag] }), 60_000);
      await store.set(c, response(c, { tags: ["other"] }), 60_000);
      assert.equal(await store.purgeTag(tag), 2);
      assert.equal(await store.get(a), undefined);
      assert.equal(await store.get(b), undefined);
      assert.ok(await store.get(c));
      assert.equal(await store.purgeTag(tag), 0);
      assert.equal(await store.purgeTag(`never-used-${seq}`), 0);
    });

    test("purges do not count records that were deleted or expired", async () => {
      const host = uniqueUrl("");
      const tag = `gone-${seq}`;
      const a = `${host}/x/1`, b = `${host}/x/2`;
      await store.set(a, response(a, { tags: [tag] }), 60_000);
      await store.set(b, response(b, { tags: [tag], ttlMs: 100 }), 100);
      await store.delete(a);
      await sleep(300);
      assert.equal(await store.purgeTag(tag), 0);
      assert.equal(await store.purgePrefix(`${host}/x/`), 0);
    });

    test("concurrent writes to distinct keys are all kept", async () => {
      const host = uniqueUrl("");
      const urls = Array.from({ length: 50 }, (_, i) => `${host}/c/${i}`);
      await Promise.all(urls.map((u) => store.set(u, response(u), 60_000)));
      const got = await Promise.all(urls.map((u) => store.get(u)));
      assert.equal(got.filter(Boolean).length, 50);
    });
  });
}
