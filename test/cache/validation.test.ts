/** Validation and freshening (RFC 9111 §4.3), invalidation (§4.4), Cache-Status (RFC 9211). */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { appendCacheStatus, formatCacheStatus } from "../../src/proxy/cache/cache-status.js";
import { clientConditionMatches, notModifiedHeaders, revalidationHeaders } from "../../src/proxy/cache/conditional.js";
import { freshen, notModifiedApplies } from "../../src/proxy/cache/freshen.js";
import { invalidationTargets } from "../../src/proxy/cache/invalidation.js";
import { buildStoredResponse, currentAge, type PolicyOptions } from "../../src/proxy/cache/policy.js";

const T0 = Date.UTC(2024, 0, 10, 12, 0, 0);
const date = (ms: number) => new Date(ms).toUTCString();
const OPTS: PolicyOptions = { heuristicFreshness: false, defaultStaleIfErrorMs: 0, cacheSetCookie: false };
const entry = (headers: Record<string, string>) =>
  buildStoredResponse({ url: "u", req: { method: "GET", headers: {} }, res: { status: 200, headers: { date: date(T0), ...headers } }, body: Buffer.from("hello"), requestTime: T0, responseTime: T0 }, OPTS)!;

describe("validation (RFC 9111 §4.3)", () => {
  test("§4.3.1: revalidation sends If-None-Match from ETag and If-Modified-Since from Last-Modified", () => {
    const e = entry({ "cache-control": "max-age=60", etag: '"v1"', "last-modified": date(T0 - 1000) });
    assert.deepEqual(revalidationHeaders(e), { "if-none-match": '"v1"', "if-modified-since": date(T0 - 1000) });
  });

  test("§4.3.4: a 304 with the stored strong or weak ETag selects it; another ETag does not", () => {
    const e = entry({ "cache-control": "max-age=60", etag: '"v1"' });
    assert.equal(notModifiedApplies(e, { etag: '"v1"' }, false), true);
    assert.equal(notModifiedApplies(e, { etag: 'W/"v1"' }, false), true);
    assert.equal(notModifiedApplies(e, { etag: '"v2"' }, true), false);
  });

  test("§4.3.4: a 304 without validators applies only to a request carrying just our validators", () => {
    const e = entry({ "cache-control": "max-age=60", etag: '"v1"' });
    assert.equal(notModifiedApplies(e, {}, true), true);
    assert.equal(notModifiedApplies(e, {}, false), false);
  });

  test("§4.3.4 / §3.2: freshening merges the 304's fields but keeps Content-Length, and recomputes freshness", () => {
    const e = entry({ "cache-control": "max-age=60", etag: '"v1"', "x-old": "kept", "x-changed": "before" });
    const t = T0 + 120_000;
    const f = freshen(e, { date: date(t), "cache-control": "max-age=300", "x-changed": "after", "content-length": "0", etag: '"v1"' }, t, t, OPTS);
    assert.equal(f.headers["x-old"], "kept");
    assert.equal(f.headers["x-changed"], "after");
    assert.equal(f.headers["content-length"], "5");
    assert.equal(f.headers["cache-control"], "max-age=300");
    assert.equal(f.lifetime, 300_000);
    assert.equal(currentAge(f, t), 0, "age restarts from the 304's Date");
    assert.equal(f.body.toString(), "hello");
  });

  test("§4.3.2: a client's If-None-Match matching the stored ETag (weak comparison) gets a 304", () => {
    const e = entry({ "cache-control": "max-age=60", etag: 'W/"v1"' });
    assert.equal(clientConditionMatches("GET", { "if-none-match": '"v0", "v1"' }, e), true);
    assert.equal(clientConditionMatches("GET", { "if-none-match": "*" }, e), true);
    assert.equal(clientConditionMatches("GET", { "if-none-match": '"v2"' }, e), false);
    assert.equal(clientConditionMatches("POST", { "if-none-match": "*" }, e), false);
  });

  test("§4.3.2: If-Modified-Since compares with Last-Modified, and is ignored when If-None-Match is present", () => {
    const e = entry({ "cache-control": "max-age=60", "last-modified": date(T0 - 60_000), etag: '"v1"' });
    assert.equal(clientConditionMatches("GET", { "if-modified-since": date(T0 - 30_000) }, e), true);
    assert.equal(clientConditionMatches("GET", { "if-modified-since": date(T0 - 90_000) }, e), false);
    assert.equal(clientConditionMatches("GET", { "if-modified-since": date(T0), "if-none-match": '"other"' }, e), false);
  });

  test("RFC 9110 §15.4.5: a 304 carries the validator and caching fields of the stored response only", () => {
    const e = entry({ "cache-control": "max-age=60", etag: '"v1"', "content-type": "text/html", vary: "accept-encoding" });
    assert.deepEqual(Object.keys(notModifiedHeaders(e)).sort(), ["cache-control", "date", "etag", "vary"]);
  });
});

describe("invalidation (RFC 9111 §4.4)", () => {
  const req = { method: "POST", scheme: "https", host: "shop.test", url: "/cart?x=1" };

  test("§4.4: a non-error response to an unsafe method invalidates the target URI", () => {
    assert.deepEqual(invalidationTargets(req, 200, {}), ["/cart?x=1"]);
    assert.deepEqual(invalidationTargets({ ...req, method: "DELETE" }, 204, {}), ["/cart?x=1"]);
    assert.deepEqual(invalidationTargets(req, 303, {}), ["/cart?x=1"]);
  });

  test("§4.4: errors and safe methods invalidate nothing", () => {
    assert.deepEqual(invalidationTargets(req, 500, {}), []);
    assert.deepEqual(invalidationTargets(req, 404, {}), []);
    assert.deepEqual(invalidationTargets({ ...req, method: "GET" }, 200, {}), []);
  });

  test("§4.4: same-origin Location and Content-Location are invalidated; other origins are not", () => {
    assert.deepEqual(invalidationTargets(req, 201, { location: "/items/7", "content-location": "https://shop.test/cart" }), ["/cart?x=1", "/items/7", "/cart"]);
    assert.deepEqual(invalidationTargets(req, 201, { location: "https://victim.test/items/7" }), ["/cart?x=1"]);
    assert.deepEqual(invalidationTargets(req, 201, { location: "http://shop.test/items/7" }), ["/cart?x=1"], "different scheme is a different origin");
  });
});

describe("Cache-Status (RFC 9211)", () => {
  test("RFC 9211 §2: hit, miss, stale, collapsed and detail forms", () => {
    assert.equal(formatCacheStatus({ hit: true, ttlMs: 30_500 }), "edgeform; hit; ttl=30");
    assert.equal(formatCacheStatus({ fwd: "miss", stored: true }), "edgeform; fwd=miss; stored");
    assert.equal(formatCacheStatus({ fwd: "stale", fwdStatus: 304, ttlMs: 60_000, stored: true }), "edgeform; fwd=stale; fwd-status=304; ttl=60; stored");
    assert.equal(formatCacheStatus({ fwd: "miss", collapsed: false, detail: "no-store" }), "edgeform; fwd=miss; collapsed=?0; detail=no-store");
    assert.equal(formatCacheStatus({ detail: "two words" }), 'edgeform; detail="two words"');
  });

  test("RFC 9211 §2: the cache's member is appended after upstream caches' members", () => {
    assert.equal(appendCacheStatus("OriginCache; hit", "edgeform; fwd=miss"), "OriginCache; hit, edgeform; fwd=miss");
    assert.equal(appendCacheStatus(undefined, "edgeform; hit"), "edgeform; hit");
  });
});
