/** The cache layer: revalidation, stale-while-revalidate, stale-if-error and request coalescing. */
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import { Metrics } from "../../src/plan/metric-names.js";
import { eventually } from "./helpers.js";
import { LayerHarness } from "./layer-harness.js";
import type { ScriptedResponse } from "./origin.js";

describe("cache layer: validation and stale responses", () => {
  let h: LayerHarness;
  beforeEach(async () => {
    h = await LayerHarness.start();
  });
  afterEach(async () => {
    await h.close();
  });

  test("RFC 9111 §4.3.1/§4.3.4: a stale entry is revalidated with If-None-Match; a 304 freshens it and merges headers", async () => {
    h.origin.script("/r", (r): ScriptedResponse =>
      r.headers["if-none-match"] === '"v1"'
        ? { status: 304, headers: { etag: '"v1"', "cache-control": "max-age=100", "x-revalidated": "yes" } }
        : { headers: { etag: '"v1"', "cache-control": "max-age=10", "x-revalidated": "no", "content-type": "text/plain" }, body: "original" });
    await h.send("/r");
    h.clock.advance(15_000);
    const res = await h.send("/r");
    assert.equal(res.status, 200);
    assert.equal(res.body, "original");
    assert.equal(res.headers["x-revalidated"], "yes");
    assert.equal(res.headers["content-type"], "text/plain");
    assert.equal(res.headers["content-length"], "8");
    assert.equal(res.cacheStatus, "edgeform; fwd=stale; fwd-status=304; ttl=100; stored");
    assert.equal(h.origin.requests.at(-1)?.headers["if-none-match"], '"v1"');
    const hit = await h.send("/r");
    assert.equal(hit.cacheStatus, "edgeform; hit; ttl=100");
    assert.equal(hit.headers["x-revalidated"], "yes");
    assert.equal(await h.metric(Metrics.cacheRevalidations, { cache: "edge", outcome: "not-modified" }), 1);
    assert.equal(await h.metric(Metrics.cacheRequests, { cache: "edge", status: "revalidated" }), 1);
  });

  test("RFC 9111 §4.3.1: Last-Modified is revalidated with If-Modified-Since; a changed response replaces the entry", async () => {
    const lm = new Date(h.clock.t - 3_600_000).toUTCString();
    h.origin.script("/lm", (r, n): ScriptedResponse =>
      n === 1 ? { headers: { "last-modified": lm, "cache-control": "max-age=10" }, body: "old" } : { headers: { "cache-control": "max-age=10" }, body: `new since ${r.headers["if-modified-since"]}` });
    await h.send("/lm");
    h.clock.advance(11_000);
    const res = await h.send("/lm");
    assert.equal(res.body, `new since ${lm}`);
    assert.match(res.cacheStatus, /fwd=stale; fwd-status=200; stored/);
    assert.equal((await h.send("/lm")).body, `new since ${lm}`);
    assert.equal(await h.metric(Metrics.cacheRevalidations, { cache: "edge", outcome: "modified" }), 1);
  });

  test("RFC 9111 §5.2.1.4: request no-cache revalidates even a fresh entry", async () => {
    h.origin.script("/nc", (r) => (r.headers["if-none-match"] ? { status: 304, headers: { etag: '"e"', "cache-control": "max-age=60" } } : { headers: { etag: '"e"', "cache-control": "max-age=60" }, body: "x" }));
    await h.send("/nc");
    const res = await h.send("/nc", { "cache-control": "no-cache" });
    assert.equal(res.body, "x");
    assert.match(res.cacheStatus, /fwd=request; fwd-status=304/);
    assert.equal(h.origin.count("/nc"), 2);
  });

  test("RFC 9111 §4.3.4: a 304 for another representation is passed to the client, not used to freshen", async () => {
    h.origin.script("/other", (r, n): ScriptedResponse =>
      n === 1 ? { headers: { "last-modified": new Date(h.clock.t - 60_000).toUTCString(), "cache-control": "max-age=1" }, body: "ours" }
        : { status: 304, headers: { etag: `${r.headers["if-none-match"]}` } });
    await h.send("/other");
    h.clock.advance(2_000);
    // The client validates its own copy (an ETag we never stored); the origin's 304 is about that.
    const res = await h.send("/other", { "if-none-match": '"theirs"' });
    assert.equal(res.status, 304);
    assert.match(res.cacheStatus, /fwd=stale; fwd-status=304/);
  });

  test("RFC 5861 §3: stale-while-revalidate serves at once and refreshes in the background", async () => {
    let n = 0;
    h.origin.script("/swr", () => {
      n++;
      return { headers: { "cache-control": "max-age=10, stale-while-revalidate=60" }, body: `v${n}`, delayMs: n === 1 ? 0 : 600 };
    });
    await h.send("/swr");
    h.clock.advance(20_000);
    const t0 = Date.now();
    const stale = await h.send("/swr");
    assert.ok(Date.now() - t0 < 500, "not held up by the 600 ms refresh");
    assert.equal(stale.body, "v1");
    assert.equal(stale.headers.age, "20");
    assert.equal(stale.cacheStatus, "edgeform; hit; ttl=-10; detail=stale-while-revalidate");
    assert.equal(h.log.background.at(-1), true, "the refresh is marked as a background fetch");
    // A second stale request during the refresh does not start another.
    await h.send("/swr");
    await eventually(async () => (await h.send("/swr")).body === "v2", 3000, "the refreshed body is served");
    assert.equal(h.origin.count("/swr"), 2);
    assert.ok((await h.metric(Metrics.cacheStaleServed, { cache: "edge", reason: "while-revalidate" })) >= 2);
  });

  test("RFC 5861 §4: stale-if-error serves the stale response when the origin answers 5xx", async () => {
    h.origin.script("/sie", (_r, n) => (n === 1 ? { headers: { "cache-control": "max-age=10, stale-if-error=60", etag: '"a"' }, body: "good" } : { status: 503, body: "down" }));
    await h.send("/sie");
    h.clock.advance(30_000);
    const res = await h.send("/sie");
    assert.equal(res.status, 200);
    assert.equal(res.body, "good");
    assert.equal(res.cacheStatus, "edgeform; fwd=stale; fwd-status=503; ttl=-20; detail=stale-if-error");
    h.clock.advance(45_000);
    const beyond = await h.send("/sie");
    assert.equal(beyond.status, 503, "past the window the error is passed on");
    assert.equal(await h.metric(Metrics.cacheStaleServed, { cache: "edge", reason: "if-error" }), 1);
  });

  test("RFC 5861 §4: stale-if-error also covers an origin that drops the connection", async () => {
    h.origin.script("/drop", (_r, n) => (n === 1 ? { headers: { "cache-control": "max-age=10, stale-if-error=60" }, body: "good" } : { fail: true }));
    await h.send("/drop");
    h.clock.advance(15_000);
    const res = await h.send("/drop");
    assert.equal(res.body, "good");
    assert.equal(res.cacheStatus, "edgeform; fwd=stale; ttl=-5; detail=stale-if-error");
  });

  test("the configured default stale-if-error applies; must-revalidate forbids it (RFC 9111 §5.2.2.2)", async () => {
    const d = await LayerHarness.start({ config: { defaultStaleIfErrorMs: 120_000 } });
    try {
      d.origin.script("/d", (_r, n) => (n === 1 ? { headers: { "cache-control": "max-age=10" }, body: "good" } : { status: 502, body: "bad" }));
      d.origin.script("/mr", (_r, n) => (n === 1 ? { headers: { "cache-control": "max-age=10, must-revalidate", etag: '"m"' }, body: "good" } : { status: 502, body: "bad" }));
      await d.send("/d");
      await d.send("/mr");
      d.clock.advance(60_000);
      assert.equal((await d.send("/d")).body, "good");
      const mr = await d.send("/mr");
      assert.equal(mr.status, 502);
      assert.equal(mr.body, "bad");
    } finally {
      await d.close();
    }
  });

  test("without a stale response to fall back on, an origin failure is the caller's error", async () => {
    h.origin.script("/gone", { fail: true });
    await assert.rejects(h.send("/gone"));
  });
});

describe("cache layer: request coalescing", () => {
  let h: LayerHarness;
  beforeEach(async () => {
    h = await LayerHarness.start();
  });
  afterEach(async () => {
    await h.close();
  });

  test("N concurrent misses for one key make one origin request; the rest get the stored response", async () => {
    h.origin.script("/hot", { headers: { "cache-control": "max-age=60" }, body: "hot", delayMs: 150 });
    const results = await Promise.all(Array.from({ length: 10 }, () => h.send("/hot")));
    assert.equal(h.origin.count("/hot"), 1);
    assert.ok(results.every((r) => r.status === 200 && r.body === "hot"));
    assert.equal(results.filter((r) => r.cacheStatus === "edgeform; fwd=miss; ttl=60; collapsed").length, 9);
    assert.equal(await h.metric(Metrics.cacheCoalesced, { cache: "edge" }), 9);
  });

  test("when the shared response turns out uncacheable, each waiting request makes its own", async () => {
    h.origin.script("/private", (_r, n) => ({ headers: { "cache-control": "private" }, body: `for request ${n}`, delayMs: 100 }));
    const results = await Promise.all(Array.from({ length: 5 }, () => h.send("/private")));
    assert.equal(h.origin.count("/private"), 5);
    assert.equal(new Set(results.map((r) => r.body)).size, 5, "nobody got another's private response");
    assert.equal(results.filter((r) => r.cacheStatus.includes("collapsed=?0")).length, 4);
  });

  test("waiting requests whose Vary values differ from the leader's make their own request", async () => {
    h.origin.script("/lang", (r) => ({ headers: { "cache-control": "max-age=60", vary: "accept-language" }, body: String(r.headers["accept-language"]), delayMs: 100 }));
    const [en, fr, en2] = await Promise.all([h.send("/lang", { "accept-language": "en" }), h.send("/lang", { "accept-language": "fr" }), h.send("/lang", { "accept-language": "en" })]);
    assert.deepEqual([en.body, fr.body, en2.body], ["en", "fr", "en"]);
    assert.equal(h.origin.count("/lang"), 2);
  });

  test("concurrent revalidations of one stale entry make one conditional request", async () => {
    h.origin.script("/rv", (r) => (r.headers["if-none-match"] ? { status: 304, headers: { etag: '"x"', "cache-control": "max-age=60" }, delayMs: 100 } : { headers: { etag: '"x"', "cache-control": "max-age=1" }, body: "body" }));
    await h.send("/rv");
    h.clock.advance(5_000);
    const results = await Promise.all(Array.from({ length: 6 }, () => h.send("/rv")));
    assert.ok(results.every((r) => r.body === "body"));
    assert.equal(h.origin.count("/rv"), 2);
  });

  test("coalesced waiters of a failed fetch serve stale-if-error without hammering the origin", async () => {
    h.origin.script("/f", (_r, n) => (n === 1 ? { headers: { "cache-control": "max-age=1, stale-if-error=600" }, body: "ok" } : { status: 500, delayMs: 100 }));
    await h.send("/f");
    h.clock.advance(5_000);
    const results = await Promise.all(Array.from({ length: 5 }, () => h.send("/f")));
    assert.ok(results.every((r) => r.status === 200 && r.body === "ok"));
    assert.equal(h.origin.count("/f"), 2);
  });
});
