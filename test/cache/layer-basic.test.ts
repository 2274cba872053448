/** The cache layer against a scripted origin: storing, hits, Age, Vary, safety rules, purges. */
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import { Metrics } from "../../src/plan/metric-names.js";
import { LayerHarness } from "./layer-harness.js";
import type { ScriptedResponse } from "./origin.js";

describe("cache layer", () => {
  let h: LayerHarness;
  beforeEach(async () => {
    h = await LayerHarness.start();
  });
  afterEach(async () => {
    await h.close();
  });

  test("RFC 9111 §3/§4: a miss is stored, the next request is a hit with Cache-Status (RFC 9211)", async () => {
    h.origin.script("/a", { headers: { "cache-control": "max-age=60", "content-type": "text/plain" }, body: "hello" });
    const first = await h.send("/a");
    assert.equal(first.status, 200);
    assert.equal(first.body, "hello");
    assert.equal(first.cacheStatus, "edgeform; fwd=miss; stored");
    const second = await h.send("/a");
    assert.equal(second.body, "hello");
    assert.equal(second.headers["content-type"], "text/plain");
    assert.equal(second.cacheStatus, "edgeform; hit; ttl=60");
    assert.equal(h.origin.count("/a"), 1);
    assert.equal(await h.metric(Metrics.cacheRequests, { cache: "edge", status: "hit" }), 1);
    assert.equal(await h.metric(Metrics.cacheRequests, { cache: "edge", status: "miss" }), 1);
    assert.equal(await h.metric(Metrics.cacheLookups, { cache: "edge", tier: "memory", result: "hit" }), 1);
    assert.ok((await h.metric(Metrics.cacheBytes, { cache: "edge", tier: "memory" })) > 5);
    assert.equal(await h.metric(Metrics.cacheEntries, { cache: "edge", tier: "memory" }), 1);
  });

  test("RFC 9111 §4.2.3: Age is the corrected initial age plus resident time", async () => {
    h.origin.script("/aged", { headers: { "cache-control": "max-age=100", age: "10" }, body: "x" });
    await h.send("/aged");
    h.clock.advance(5_000);
    const hit = await h.send("/aged");
    assert.equal(hit.headers.age, "15");
    assert.equal(hit.cacheStatus, "edgeform; hit; ttl=85");
  });

  test("RFC 9111 §4.2.3: a Date in the past counts as apparent age", async () => {
    h.origin.script("/old", () => ({ headers: { "cache-control": "max-age=100", date: new Date(h.clock.t - 30_000).toUTCString() }, body: "x" }));
    await h.send("/old");
    const hit = await h.send("/old");
    assert.equal(hit.headers.age, "30");
  });

  test("RFC 9111 §4.2: once stale, a response without validators or stale windows is gone and fetched again", async () => {
    h.origin.script("/short", (_r, n) => ({ headers: { "cache-control": "max-age=10" }, body: `v${n}` }));
    assert.equal((await h.send("/short")).body, "v1");
    h.clock.advance(9_000);
    assert.equal((await h.send("/short")).body, "v1");
    h.clock.advance(2_000);
    const again = await h.send("/short");
    assert.equal(again.body, "v2");
    assert.equal(again.cacheStatus, "edgeform; fwd=miss; stored");
  });

  test("RFC 9111 §4.1: several variants per URL by Vary, each a hit for its own request", async () => {
    h.origin.script("/v", (r) => ({ headers: { "cache-control": "max-age=60", vary: "Accept-Encoding" }, body: `enc=${r.headers["accept-encoding"] ?? "none"}` }));
    assert.equal((await h.send("/v", { "accept-encoding": "gzip" })).body, "enc=gzip");
    const br = await h.send("/v", { "accept-encoding": "br" });
    assert.equal(br.body, "enc=br");
    assert.match(br.cacheStatus, /fwd=vary-miss/);
    const none = await h.send("/v");
    assert.equal(none.body, "enc=none");
    assert.equal((await h.send("/v", { "accept-encoding": "GZIP" })).body, "enc=gzip");
    const brHit = await h.send("/v", { "accept-encoding": "br" });
    assert.equal(brHit.body, "enc=br");
    assert.match(brHit.cacheStatus, /hit/);
    assert.equal((await h.send("/v")).cacheStatus, "edgeform; hit; ttl=60");
    assert.equal(h.origin.count("/v"), 3);
  });

  test("RFC 9111 §4.1: Vary: * is never stored", async () => {
    h.origin.script("/star", { headers: { "cache-control": "max-age=60", vary: "*" }, body: "x" });
    assert.match((await h.send("/star")).cacheStatus, /detail=vary-star/);
    await h.send("/star");
    assert.equal(h.origin.count("/star"), 2);
  });

  test("Set-Cookie responses are not shared by default", async () => {
    h.origin.script("/cookie", { headers: { "cache-control": "max-age=60", "set-cookie": "session=secret" }, body: "x" });
    const first = await h.send("/cookie");
    assert.match(first.cacheStatus, /detail=set-cookie/);
    const second = await h.send("/cookie");
    assert.deepEqual([second.headers["set-cookie"]].flat(), ["session=secret"], "each client gets its own from the origin");
    assert.equal(h.origin.count("/cookie"), 2);
  });

  test("Set-Cookie responses are stored when the route opts in", async () => {
    h.route = { ...h.route, cacheSetCookie: true };
    h.origin.script("/cookie-ok", { headers: { "cache-control": "max-age=60", "set-cookie": "lang=en" }, body: "x" });
    await h.send("/cookie-ok");
    const hit = await h.send("/cookie-ok");
    assert.match(hit.cacheStatus, /hit/);
    assert.deepEqual([hit.headers["set-cookie"]].flat(), ["lang=en"]);
  });

  test("RFC 9111 §3.5: a response to an authorized request is not reused unless it allows it", async () => {
    h.origin.script("/private-ish", (r) => ({ headers: { "cache-control": "max-age=60" }, body: `for ${r.headers.authorization ?? "anonymous"}` }));
    assert.match((await h.send("/private-ish", { authorization: "Bearer alice" })).cacheStatus, /detail=authorization/);
    assert.equal((await h.send("/private-ish")).body, "for anonymous", "alice's response was not stored");
    // The anonymous response is stored now, but must not answer bob's authorized request.
    const bob = await h.send("/private-ish", { authorization: "Bearer bob" });
    assert.equal(bob.body, "for Bearer bob");
    assert.match(bob.cacheStatus, /fwd=request/);
    assert.equal(h.origin.count("/private-ish"), 3);
  });

  test("RFC 9111 §3.5: with public, a response to an authorized request is stored and shared", async () => {
    h.origin.script("/shared-doc", { headers: { "cache-control": "public, max-age=60" }, body: "doc" });
    await h.send("/shared-doc", { authorization: "Bearer alice" });
    assert.match((await h.send("/shared-doc", { authorization: "Bearer bob" })).cacheStatus, /hit/);
    assert.match((await h.send("/shared-doc")).cacheStatus, /hit/);
    assert.equal(h.origin.count("/shared-doc"), 1);
  });

  test("RFC 9111 §5.2.1.7: only-if-cached answers 504 without contacting the origin, or serves what is stored", async () => {
    h.origin.script("/oic", { headers: { "cache-control": "max-age=60" }, body: "x" });
    const miss = await h.send("/oic", { "cache-control": "only-if-cached" });
    assert.equal(miss.status, 504);
    assert.equal(h.origin.count("/oic"), 0);
    await h.send("/oic");
    const hit = await h.send("/oic", { "cache-control": "only-if-cached" });
    assert.equal(hit.status, 200);
    assert.match(hit.cacheStatus, /hit/);
  });

  test("RFC 9111 §5.2.1.5: a request with no-store is answered but not stored", async () => {
    h.origin.script("/ns", { headers: { "cache-control": "max-age=60" }, body: "x" });
    assert.match((await h.send("/ns", { "cache-control": "no-store" })).cacheStatus, /detail=request-no-store/);
    assert.match((await h.send("/ns")).cacheStatus, /fwd=miss; stored/);
  });

  test("RFC 9111 §4.4: a successful POST invalidates the target URI and same-origin Location; a failed one does not", async () => {
    h.origin.script("/item", { headers: { "cache-control": "max-age=60" }, body: "item" });
    h.origin.script("/list", { headers: { "cache-control": "max-age=60" }, body: "list" });
    await h.send("/item");
    await h.send("/list");
    h.origin.script("/item", (r) => (r.method === "POST" ? { status: 500, body: "boom" } : { headers: { "cache-control": "max-age=60" }, body: "item" }));
    const failed = await h.send("/item", {}, "POST");
    assert.equal(failed.status, 500);
    assert.match((await h.send("/item")).cacheStatus, /hit/, "a 500 invalidates nothing");
    h.origin.script("/item", (r): ScriptedResponse => (r.method === "POST" ? { status: 201, headers: { location: "/list" }, body: "created" } : { headers: { "cache-control": "max-age=60" }, body: "item" }));
    const post = await h.send("/item", {}, "POST");
    assert.equal(post.cacheStatus, "edgeform; fwd=method");
    assert.match((await h.send("/item")).cacheStatus, /fwd=miss/);
    assert.match((await h.send("/list")).cacheStatus, /fwd=miss/);
  });

  test("bodies above the object limit stream through uncached and whole (Content-Length and chunked)", async () => {
    const big = "x".repeat(3 * 1024 * 1024);
    h.origin.script("/big", { headers: { "cache-control": "max-age=60" }, body: big });
    h.origin.script("/big-chunked", { headers: { "cache-control": "max-age=60" }, body: big, chunks: 64 });
    const a = await h.send("/big");
    assert.equal(a.body.length, big.length);
    assert.match(a.cacheStatus, /detail=too-large/);
    const b = await h.send("/big-chunked");
    assert.equal(b.body.length, big.length);
    assert.doesNotMatch(b.cacheStatus, /stored/, "unknown length: not announced as stored");
    await h.send("/big");
    await h.send("/big-chunked");
    assert.equal(h.origin.count("/big"), 2);
    assert.equal(h.origin.count("/big-chunked"), 2);
    assert.equal(await h.metric(Metrics.cacheEntries, { cache: "edge", tier: "memory" }), 0);
  });

  test("a chunked body within the limit is stored and served with a Content-Length", async () => {
    h.origin.script("/small-chunked", { headers: { "cache-control": "max-age=60" }, body: "abcdefghij".repeat(100), chunks: 10 });
    await h.send("/small-chunked");
    const hit = await h.send("/small-chunked");
    assert.match(hit.cacheStatus, /hit/);
    assert.equal(hit.headers["content-length"], "1000");
    assert.equal(hit.body, "abcdefghij".repeat(100));
  });

  test("HEAD is answered from a stored GET response without a body; a HEAD miss is not stored", async () => {
    h.origin.script("/h", { headers: { "cache-control": "max-age=60" }, body: "hello" });
    const headMiss = await h.send("/h", {}, "HEAD");
    assert.equal(headMiss.body, "");
    await h.send("/h");
    assert.equal(h.origin.count("/h"), 2, "the HEAD miss stored nothing");
    const head = await h.send("/h", {}, "HEAD");
    assert.equal(head.body, "");
    assert.equal(head.headers["content-length"], "5");
    assert.match(head.cacheStatus, /hit/);
  });

  test("RFC 9111 §4.3.2: a client's matching If-None-Match gets a 304 from the cache", async () => {
    h.origin.script("/etag", { headers: { "cache-control": "max-age=60", etag: '"v1"' }, body: "hello" });
    await h.send("/etag");
    const res = await h.send("/etag", { "if-none-match": '"v1"' });
    assert.equal(res.status, 304);
    assert.equal(res.body, "");
    assert.equal(res.headers.etag, '"v1"');
    assert.match(res.cacheStatus, /hit/);
    assert.equal((await h.send("/etag", { "if-none-match": '"v0"' })).status, 200);
    assert.equal(h.origin.count("/etag"), 1);
  });

  test("the query is kept, or sorted when the route says so", async () => {
    h.origin.script("/q", (r) => ({ headers: { "cache-control": "max-age=60" }, body: r.url }));
    await h.send("/q?b=2&a=1");
    assert.match((await h.send("/q?a=1&b=2")).cacheStatus, /fwd=miss/, "keep: different order, different key");
    h.route = { ...h.route, keyQuery: "sort" };
    await h.send("/q?y=2&x=1");
    assert.match((await h.send("/q?x=1&y=2")).cacheStatus, /hit/);
  });

  test("unkeyed request headers cannot poison the entry others get", async () => {
    h.origin.script("/p", (r) => ({ headers: { "cache-control": "max-age=60" }, body: `host=${r.headers["x-forwarded-host"] ?? "shop.test"}` }));
    // Without Vary: X-Forwarded-Host, the origin must not depend on it; whatever it did, the key is the URL only.
    await h.send("/p", { "x-forwarded-host": "evil.test" });
    assert.equal(h.origin.count("/p"), 1);
    h.origin.script("/pv", (r) => ({ headers: { "cache-control": "max-age=60", vary: "x-forwarded-host" }, body: `host=${r.headers["x-forwarded-host"] ?? "shop.test"}` }));
    await h.send("/pv", { "x-forwarded-host": "evil.test" });
    assert.equal((await h.send("/pv")).body, "host=shop.test", "a header the origin varies on selects a separate variant");
  });

  test("purge by URL, prefix and surrogate key (Surrogate-Key and Cache-Tag), which are not sent to clients", async () => {
    h.origin.script("/static/a.css", { headers: { "cache-control": "max-age=60", "surrogate-key": "css all" }, body: "a" });
    h.origin.script("/static/b.js", { headers: { "cache-control": "max-age=60", "cache-tag": "js, all" }, body: "b" });
    h.origin.script("/page", { headers: { "cache-control": "max-age=60", "surrogate-key": "all" }, body: "p" });
    const first = await h.send("/static/a.css");
    assert.equal(first.headers["surrogate-key"], undefined);
    await h.send("/static/b.js");
    await h.send("/page");
    assert.equal(await h.layer.purge({ url: "https://shop.test/page" }), 1);
    assert.match((await h.send("/page")).cacheStatus, /fwd=miss/);
    assert.equal(await h.layer.purge({ prefix: "shop.test/static/" }), 2);
    assert.match((await h.send("/static/a.css")).cacheStatus, /fwd=miss/);
    await h.send("/static/b.js");
    assert.equal(await h.layer.purge({ surrogateKey: "all" }), 3);
    for (const p of ["/static/a.css", "/static/b.js", "/page"]) assert.match((await h.send(p)).cacheStatus, /fwd=miss/, p);
    assert.equal(await h.layer.purge({ surrogateKey: "js" }), 1);
  });

  test("purging a URL removes all its Vary variants", async () => {
    h.origin.script("/pv2", (r) => ({ headers: { "cache-control": "max-age=60", vary: "accept-language" }, body: String(r.headers["accept-language"]) }));
    await h.send("/pv2", { "accept-language": "en" });
    await h.send("/pv2", { "accept-language": "fr" });
    assert.equal(await h.layer.purge({ url: "https://shop.test/pv2" }), 2);
    assert.match((await h.send("/pv2", { "accept-language": "en" })).cacheStatus, /miss/);
  });

  test("CDN-Cache-Control (RFC 9213) decides for the edge, and is passed on", async () => {
    h.origin.script("/cdn", { headers: { "cache-control": "no-store", "cdn-cache-control": "max-age=30" }, body: "x" });
    await h.send("/cdn");
    const hit = await h.send("/cdn");
    assert.equal(hit.cacheStatus, "edgeform; hit; ttl=30");
    assert.equal(hit.headers["cache-control"], "no-store", "browsers still get the origin's Cache-Control");
  });
});
