import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { createOriginServer } from "../../src/origin/server.js";

describe("demo origin", () => {
  // Deterministic "random": the fault-injection tests choose what it returns.
  let nextRandom = 0.99;
  const server = createOriginServer({ replica: "2", fleet: "web", random: () => nextRandom });
  let base = "";

  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  test("says which replica served, with no caching headers by default", async () => {
    const res = await fetch(`${base}/hello/world?x=1`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("x-served-by"), "web-2");
    assert.equal(res.headers.get("cache-control"), null);
    assert.equal(res.headers.get("etag"), null);
    const body = (await res.json()) as Record<string, unknown>;
    assert.equal(body["replica"], 2, "a numeric replica id is a number");
    assert.equal(body["fleet"], "web");
    assert.equal(body["pid"], process.pid);
    assert.equal(body["path"], "/hello/world?x=1");
  });

  test("cache=<seconds> sets Cache-Control public max-age; surrogate=<keys> sets Surrogate-Key", async () => {
    const res = await fetch(`${base}/static/a.css?cache=60&surrogate=css,site`);
    assert.equal(res.headers.get("cache-control"), "public, max-age=60");
    assert.equal(res.headers.get("surrogate-key"), "css site");
    await res.body?.cancel();
  });

  test("etag=1 gives one strong ETag per URL and If-None-Match gets 304", async () => {
    const url = `${base}/static/logo.png?etag=1&cache=10`;
    const first = await fetch(url);
    const etag = first.headers.get("etag");
    await first.body?.cancel();
    assert.match(etag ?? "", /^"[A-Za-z0-9_-]+"$/, "strong ETag (no W/ prefix)");
    const again = await fetch(url);
    assert.equal(again.headers.get("etag"), etag, "same URL, same ETag");
    await again.body?.cancel();

    const notModified = await fetch(url, { headers: { "if-none-match": `"nope", ${etag}` } });
    assert.equal(notModified.status, 304);
    assert.equal(notModified.headers.get("etag"), etag);
    assert.equal(notModified.headers.get("cache-control"), "public, max-age=10");
    assert.equal(await notModified.text(), "");

    const weak = await fetch(url, { headers: { "if-none-match": `W/${etag}` } });
    assert.equal(weak.status, 304, "If-None-Match uses weak comparison (RFC 9110 13.1.2)");
    const star = await fetch(url, { headers: { "if-none-match": "*" } });
    assert.equal(star.status, 304);
    const other = await fetch(url, { headers: { "if-none-match": '"other"' } });
    assert.equal(other.status, 200);
    await other.body?.cancel();

    const otherUrl = await fetch(`${base}/static/other.png?etag=1&cache=10`);
    assert.notEqual(otherUrl.headers.get("etag"), etag);
    await otherUrl.body?.cancel();
  });

  test("delay=<ms> adds latency", async () => {
    const t0 = performance.now();
    const res = await fetch(`${base}/slow?delay=150`);
    await res.body?.cancel();
    assert.ok(performance.now() - t0 >= 140, "answered after the delay");
  });

  test("status=<code> fails on demand; size=<bytes> sets the body size", async () => {
    const failed = await fetch(`${base}/x?status=503`);
    assert.equal(failed.status, 503);
    assert.equal(((await failed.json()) as Record<string, unknown>)["replica"], 2);
    const sized = await fetch(`${base}/x?size=1000`);
    assert.equal(sized.headers.get("content-length"), "1000");
    assert.equal((await sized.arrayBuffer()).byteLength, 1000);
    const empty = await fetch(`${base}/x?size=0`);
    assert.equal((await empty.arrayBuffer()).byteLength, 0);
  });

  test("HEAD answers headers only", async () => {
    const res = await fetch(`${base}/x?size=500`, { method: "HEAD" });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-length"), "500");
    assert.equal((await res.arrayBuffer()).byteLength, 0);
  });

  test("bad parameters are a 400 that says what is wrong, never a crash", async () => {
    for (const [query, pattern] of [
      ["status=99", /status must be between 200 and 599/],
      ["status=abc", /status must be a whole number/],
      ["delay=100000", /delay must be between 0 and 60000/],
      ["cache=-1", /cache must be a whole number/],
      ["surrogate=caf%C3%A9", /surrogate keys/],
      ["surrogate=a%01b", /surrogate keys/],
    ] as const) {
      const res = await fetch(`${base}/x?${query}`);
      assert.equal(res.status, 400, query);
      assert.match(String(((await res.json()) as Record<string, unknown>)["error"]), pattern);
    }
  });

  test("line breaks in surrogate keys cannot inject headers", async () => {
    const res = await fetch(`${base}/x?surrogate=a%0d%0aX-Evil:1`);
    assert.equal(res.headers.get("x-evil"), null);
    assert.equal(res.headers.get("surrogate-key"), "a X-Evil:1", "CR/LF only ever separate keys");
    await res.body?.cancel();
  });

  test("/healthz answers 200", async () => {
    const res = await fetch(`${base}/healthz`);
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as Record<string, unknown>)["status"], "ok");
  });

  test("POST /admin/fail fails a share of requests until /admin/recover", async () => {
    const fail = await fetch(`${base}/admin/fail?rate=0.5`, { method: "POST" });
    assert.equal(fail.status, 200);
    assert.deepEqual(((await fail.json()) as Record<string, unknown>)["faults"], { rate: 0.5, status: 503, healthz: false });

    nextRandom = 0.2; // below the rate: this request fails
    const failed = await fetch(`${base}/page`);
    assert.equal(failed.status, 503);
    assert.equal(failed.headers.get("cache-control"), "no-store", "injected failures are never cacheable");
    await failed.body?.cancel();
    nextRandom = 0.8; // above the rate: served
    const served = await fetch(`${base}/page`);
    assert.equal(served.status, 200);
    await served.body?.cancel();

    nextRandom = 0.2;
    const health = await fetch(`${base}/healthz`);
    assert.equal(health.status, 200, "health checks pass unless healthz=1 was asked for");

    await (await fetch(`${base}/admin/fail?rate=1&status=500&healthz=1`, { method: "POST" })).body?.cancel();
    assert.equal((await fetch(`${base}/healthz`)).status, 500);
    assert.equal((await fetch(`${base}/page`)).status, 500);

    const recover = await fetch(`${base}/admin/recover`, { method: "POST" });
    assert.equal(recover.status, 200);
    await recover.body?.cancel();
    assert.equal((await fetch(`${base}/page`)).status, 200);
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    nextRandom = 0.99;
  });

  test("admin endpoints refuse requests forwarded by a proxy, wrong methods and bad rates", async () => {
    for (const header of ["x-forwarded-for", "forwarded", "via"]) {
      const res = await fetch(`${base}/admin/fail?rate=1`, { method: "POST", headers: { [header]: "1.2.3.4" } });
      assert.equal(res.status, 403, header);
      await res.body?.cancel();
    }
    const page = await fetch(`${base}/page`);
    assert.equal(page.status, 200, "the refused requests changed nothing");
    await page.body?.cancel();

    const get = await fetch(`${base}/admin/fail?rate=1`);
    assert.equal(get.status, 405);
    assert.equal(get.headers.get("allow"), "POST");
    await get.body?.cancel();
    const bad = await fetch(`${base}/admin/fail?rate=2`, { method: "POST" });
    assert.equal(bad.status, 400);
    await bad.body?.cancel();
    const unknown = await fetch(`${base}/admin/explode`, { method: "POST" });
    assert.equal(unknown.status, 404);
    await unknown.body?.cancel();
  });
});

test("a replica named by a container host name stays a string", async () => {
  const server = createOriginServer({ replica: "3f2a9c1d7e", fleet: "" });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    assert.equal(res.headers.get("x-served-by"), "3f2a9c1d7e", "no fleet: the replica alone");
    assert.equal(((await res.json()) as Record<string, unknown>)["replica"], "3f2a9c1d7e");
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
