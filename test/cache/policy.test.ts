/** Pure RFC 9111 / 5861 / 9213 rules. Test names cite the section they check. */
import assert from "node:assert/strict";
import type { IncomingHttpHeaders } from "node:http";
import { describe, test } from "node:test";
import { requestDirectives, responseDirectives } from "../../src/proxy/cache/directives.js";
import type { StoredResponse } from "../../src/proxy/cache/entry.js";
import {
  buildStoredResponse, correctedInitialAge, currentAge, decideReuse, freshnessLifetime, staleIfErrorAllows,
  uncacheableReason, usableForRequest, MAX_HEURISTIC_MS, type PolicyOptions,
} from "../../src/proxy/cache/policy.js";

const T0 = Date.UTC(2024, 0, 10, 12, 0, 0);
const date = (ms: number) => new Date(ms).toUTCString();
const OPTS: PolicyOptions = { heuristicFreshness: false, defaultStaleIfErrorMs: 0, cacheSetCookie: false };

function reason(resHeaders: IncomingHttpHeaders, opts: Partial<PolicyOptions> = {}, status = 200, reqHeaders: IncomingHttpHeaders = {}, method = "GET") {
  const o = { ...OPTS, ...opts };
  return uncacheableReason({ method, headers: reqHeaders }, { status, headers: resHeaders }, responseDirectives(resHeaders), requestDirectives(reqHeaders), o);
}

function lifetime(headers: IncomingHttpHeaders, status = 200, heuristicFreshness = false): number {
  return freshnessLifetime(headers, responseDirectives(headers), status, T0, { heuristicFreshness }).ms;
}

/** A stored response received at T0 (no delay) with these headers. */
function stored(headers: IncomingHttpHeaders, opts: Partial<PolicyOptions> = {}, status = 200): StoredResponse {
  const e = buildStoredResponse({ url: "https://x.test/a", req: { method: "GET", headers: {} }, res: { status, headers: { date: date(T0), ...headers } }, body: Buffer.from("b"), requestTime: T0, responseTime: T0 }, { ...OPTS, ...opts });
  assert.ok(e, "expected the response to be kept");
  return e;
}

function decide(e: StoredResponse, atMs: number, reqHeaders: IncomingHttpHeaders = {}) {
  return decideReuse(e, requestDirectives(reqHeaders), T0 + atMs).action;
}

describe("storing responses (RFC 9111 §3)", () => {
  test("§3: GET responses with explicit freshness are storable; POST responses are not", () => {
    assert.equal(reason({ "cache-control": "max-age=60" }), undefined);
    assert.equal(reason({ "cache-control": "max-age=60" }, {}, 200, {}, "POST"), "method");
  });

  test("§3: HEAD is a cacheable method", () => {
    assert.equal(reason({ "cache-control": "max-age=60" }, {}, 200, {}, "HEAD"), undefined);
  });

  test("§3: only final status codes the cache understands are stored (206, 1xx, 5xx, unknown are not)", () => {
    for (const s of [206, 101, 500, 503, 299, 418]) assert.equal(reason({ "cache-control": "max-age=60" }, {}, s), "status", String(s));
    for (const s of [200, 301, 404, 410, 501]) assert.equal(reason({ "cache-control": "max-age=60" }, {}, s), undefined, String(s));
  });

  test("§3: a status that is not heuristically cacheable needs explicit freshness (302 without, with max-age)", () => {
    assert.equal(reason({}, {}, 302), "no-freshness");
    assert.equal(reason({ "cache-control": "max-age=60" }, {}, 302), undefined);
    assert.equal(reason({ expires: date(T0 + 60_000) }, {}, 307), undefined);
    assert.equal(reason({ "cache-control": "public" }, {}, 303), undefined);
  });

  test("§5.2.2.5: no-store in the response forbids storing", () => {
    assert.equal(reason({ "cache-control": "max-age=60, no-store" }), "no-store");
    assert.equal(reason({ "cache-control": "NO-STORE" }), "no-store", "directive names are case-insensitive (§5.2)");
  });

  test("§5.2.2.3: must-understand with an understood status overrides no-store", () => {
    assert.equal(reason({ "cache-control": "must-understand, no-store, max-age=60" }), undefined);
    assert.equal(reason({ "cache-control": "must-understand, no-store, max-age=60" }, {}, 206), "status");
  });

  test("§5.2.2.7: private is not stored by a shared cache, qualified or not", () => {
    assert.equal(reason({ "cache-control": "private, max-age=60" }), "private");
    assert.equal(reason({ "cache-control": 'private="set-cookie", max-age=60' }), "private", "field-list form treated conservatively");
  });

  test("§5.2.1.5: a request with no-store is not stored", () => {
    assert.equal(reason({ "cache-control": "max-age=60" }, {}, 200, { "cache-control": "no-store" }), "request-no-store");
  });

  test("§3.5: responses to requests with Authorization are stored only with public, s-maxage or must-revalidate", () => {
    const auth = { authorization: "Bearer t" };
    assert.equal(reason({ "cache-control": "max-age=60" }, {}, 200, auth), "authorization");
    assert.equal(reason({ "cache-control": "public, max-age=60" }, {}, 200, auth), undefined);
    assert.equal(reason({ "cache-control": "s-maxage=60" }, {}, 200, auth), undefined);
    assert.equal(reason({ "cache-control": "must-revalidate, max-age=60" }, {}, 200, auth), undefined);
  });

  test("§3.5: a stored response answers an authorized request only if it allows shared reuse", () => {
    const plain = stored({ "cache-control": "max-age=60" });
    const pub = stored({ "cache-control": "public, max-age=60" });
    const withAuth = { method: "GET", headers: { authorization: "Basic x" } };
    assert.equal(usableForRequest(plain, withAuth), false);
    assert.equal(usableForRequest(pub, withAuth), true);
    assert.equal(usableForRequest(plain, { method: "GET", headers: {} }), true);
  });

  test("§3.1 / RFC 6265 §8: Set-Cookie responses are not shared unless the route opts in", () => {
    assert.equal(reason({ "cache-control": "max-age=60", "set-cookie": ["s=1"] }), "set-cookie");
    assert.equal(reason({ "cache-control": "max-age=60", "set-cookie": ["s=1"] }, { cacheSetCookie: true }), undefined);
    assert.equal(stored({ "cache-control": "max-age=60", "set-cookie": ["s=1"] }, { cacheSetCookie: true }).headers["set-cookie"]?.[0], "s=1");
  });

  test("§4.1: Vary: * never matches, so it is not stored", () => {
    assert.equal(reason({ "cache-control": "max-age=60", vary: "Accept, *" }), "vary-star");
  });

  test("§3.1: hop-by-hop fields, Connection-named fields and Age are not stored; Date is added when missing", () => {
    const e = buildStoredResponse({
      url: "u", req: { method: "GET", headers: {} },
      res: { status: 200, headers: { "cache-control": "max-age=60", connection: "x-hop", "x-hop": "1", "keep-alive": "timeout=5", "transfer-encoding": "chunked", age: "3", "x-kept": "yes" } },
      body: Buffer.from("abc"), requestTime: T0, responseTime: T0,
    }, OPTS)!;
    assert.deepEqual(Object.keys(e.headers).sort(), ["cache-control", "content-length", "date", "x-kept"]);
    assert.equal(e.headers.date, date(T0));
  });

  test("a response with no lifetime, no stale window and no validator is not kept", () => {
    const e = buildStoredResponse({ url: "u", req: { method: "GET", headers: {} }, res: { status: 200, headers: { "cache-control": "max-age=0" } }, body: Buffer.alloc(0), requestTime: T0, responseTime: T0 }, OPTS);
    assert.equal(e, undefined);
  });

  test("§5.2.2.4: no-cache with a validator is kept, and every reuse needs validation", () => {
    const e = stored({ "cache-control": "no-cache", etag: '"v1"' });
    assert.equal(decide(e, 0), "validate");
  });

  test("§4.2.2: without explicit freshness and with heuristics off, a 200 with a validator is not kept", () => {
    const e = buildStoredResponse({ url: "u", req: { method: "GET", headers: {} }, res: { status: 200, headers: { etag: '"v"', date: date(T0) } }, body: Buffer.alloc(0), requestTime: T0, responseTime: T0 }, OPTS);
    assert.equal(e, undefined);
  });
});

describe("freshness lifetime (RFC 9111 §4.2.1, §4.2.2)", () => {
  test("§4.2.1: s-maxage takes precedence over max-age over Expires for a shared cache", () => {
    const expires = { date: date(T0), expires: date(T0 + 30_000) };
    assert.equal(lifetime({ ...expires, "cache-control": "max-age=60, s-maxage=120" }), 120_000);
    assert.equal(lifetime({ ...expires, "cache-control": "max-age=60" }), 60_000);
    assert.equal(lifetime(expires), 30_000);
  });

  test("§4.2.1: Expires minus Date; without Date, minus the time the response was received", () => {
    assert.equal(lifetime({ date: date(T0 - 10_000), expires: date(T0 + 50_000) }), 60_000);
    assert.equal(lifetime({ expires: date(T0 + 50_000) }), 50_000);
  });

  test("§5.3: an invalid Expires (e.g. 0, or a bare year) means already expired", () => {
    assert.equal(lifetime({ date: date(T0), expires: "0" }), 0);
    assert.equal(lifetime({ date: date(T0), expires: "2030" }), 0);
  });

  test("§4.2.1: invalid or conflicting max-age makes the response stale", () => {
    assert.equal(lifetime({ "cache-control": "max-age=abc" }), 0);
    assert.equal(lifetime({ "cache-control": "max-age=60, max-age=120" }), 0);
    assert.equal(lifetime({ "cache-control": "max-age=60, max-age=60" }), 60_000, "identical duplicates are fine");
    assert.equal(lifetime({ "cache-control": 'max-age="60"' }), 60_000, "quoted-string argument form (§5.2)");
  });

  test("§1.2.2: delta-seconds above 2^31 are capped", () => {
    assert.equal(lifetime({ "cache-control": "max-age=99999999999999" }), 2147483648 * 1000);
  });

  test("§4.2.2: heuristic freshness is 10% of Date − Last-Modified, only when enabled", () => {
    const h = { date: date(T0), "last-modified": date(T0 - 3_600_000) };
    assert.equal(lifetime(h, 200, false), 0);
    assert.equal(lifetime(h, 200, true), 360_000);
  });

  test("§4.2.2: heuristics are capped, never override explicit expiration, and need a heuristically cacheable status", () => {
    assert.equal(lifetime({ date: date(T0), "last-modified": date(T0 - 365 * 86_400_000) }, 200, true), MAX_HEURISTIC_MS);
    assert.equal(lifetime({ date: date(T0), "last-modified": date(T0 - 3_600_000), expires: date(T0 + 1000) }, 200, true), 1000);
    assert.equal(lifetime({ date: date(T0), "last-modified": date(T0 - 3_600_000) }, 302, true), 0);
    assert.equal(lifetime({ date: date(T0), "last-modified": date(T0 - 3_600_000), "cache-control": "public" }, 302, true), 360_000);
  });

  test("§4.2.2: an enabled heuristic makes a plain 200 with Last-Modified storable", () => {
    const e = stored({ "last-modified": date(T0 - 3_600_000) }, { heuristicFreshness: true });
    assert.equal(e.lifetime, 360_000);
  });
});

describe("age (RFC 9111 §4.2.3)", () => {
  test("§4.2.3: apparent age from Date when it exceeds Age plus response delay", () => {
    assert.equal(correctedInitialAge({ date: date(T0 - 20_000) }, T0 - 100, T0), 20_000);
  });

  test("§4.2.3: corrected age value is Age plus the response delay", () => {
    assert.equal(correctedInitialAge({ date: date(T0), age: "10" }, T0 - 2_000, T0), 12_000);
  });

  test("§5.1: a list-valued Age uses its first member; an invalid Age is ignored", () => {
    assert.equal(correctedInitialAge({ date: date(T0), age: "7, 100" }, T0, T0), 7_000);
    assert.equal(correctedInitialAge({ date: date(T0), age: "-5" }, T0, T0), 0);
    assert.equal(correctedInitialAge({ date: date(T0), age: "ten" }, T0, T0), 0);
  });

  test("§4.2.3: current age adds resident time to the corrected initial age", () => {
    const e = stored({ "cache-control": "max-age=600", age: "30" });
    assert.equal(currentAge(e, T0 + 15_000), 45_000);
  });

  test("§4.2: a response whose age already exceeds its lifetime arrives stale", () => {
    const e = stored({ "cache-control": "max-age=60, stale-while-revalidate=600", age: "100" });
    assert.equal(decide(e, 0), "stale-while-revalidate");
  });
});

describe("reusing stored responses (RFC 9111 §4.2, §5.2.1)", () => {
  const e = () => stored({ "cache-control": "max-age=60", etag: '"v1"' });

  test("§4.2: fresh while current age < freshness lifetime, then it must be validated", () => {
    assert.equal(decide(e(), 59_000), "fresh");
    assert.equal(decide(e(), 60_000), "validate");
  });

  test("§5.2.1.1: request max-age bounds the acceptable age", () => {
    assert.equal(decide(e(), 30_000, { "cache-control": "max-age=10" }), "validate");
    assert.equal(decide(e(), 5_000, { "cache-control": "max-age=10" }), "fresh");
  });

  test("§5.2.1.2: max-stale accepts stale responses up to its value, any staleness without one", () => {
    assert.equal(decide(e(), 70_000, { "cache-control": "max-stale=20" }), "stale-ok");
    assert.equal(decide(e(), 90_000, { "cache-control": "max-stale=20" }), "validate");
    assert.equal(decide(e(), 9_000_000, { "cache-control": "max-stale" }), "stale-ok");
  });

  test("§5.2.2.2 / §5.2.2.10: must-revalidate and s-maxage make max-stale ineffective", () => {
    assert.equal(decide(stored({ "cache-control": "max-age=60, must-revalidate" }), 70_000, { "cache-control": "max-stale" }), "validate");
    assert.equal(decide(stored({ "cache-control": "s-maxage=60" }), 70_000, { "cache-control": "max-stale" }), "validate");
    assert.equal(decide(stored({ "cache-control": "max-age=60, proxy-revalidate" }), 70_000, { "cache-control": "max-stale" }), "validate");
  });

  test("§5.2.1.3: min-fresh requires that much remaining freshness", () => {
    assert.equal(decide(e(), 50_000, { "cache-control": "min-fresh=20" }), "validate");
    assert.equal(decide(e(), 30_000, { "cache-control": "min-fresh=20" }), "fresh");
  });

  test("§5.2.1.4: request no-cache forces validation; §5.4 Pragma: no-cache only without Cache-Control", () => {
    assert.equal(decide(e(), 0, { "cache-control": "no-cache" }), "validate");
    assert.equal(decide(e(), 0, { pragma: "no-cache" }), "validate");
    assert.equal(decide(e(), 0, { pragma: "no-cache", "cache-control": "max-stale=5" }), "fresh");
  });

  test("§5.2.1.7: only-if-cached is parsed from the request", () => {
    assert.equal(requestDirectives({ "cache-control": "only-if-cached" }).onlyIfCached, true);
  });

  test("§5.2.2.4: qualified no-cache is treated like unqualified no-cache (validate every time)", () => {
    assert.equal(decide(stored({ "cache-control": 'max-age=60, no-cache="set-cookie"', etag: '"v"' }), 0), "validate");
  });
});

describe("serving stale (RFC 5861)", () => {
  test("RFC 5861 §3: stale-while-revalidate serves stale within its window, then validates", () => {
    const e = stored({ "cache-control": "max-age=60, stale-while-revalidate=30" });
    assert.equal(decide(e, 70_000), "stale-while-revalidate");
    assert.equal(decide(e, 95_000), "validate");
  });

  test("RFC 5861 §3 with RFC 9111 §4.2.4: must-revalidate and no-cache disable stale-while-revalidate", () => {
    assert.equal(decide(stored({ "cache-control": "max-age=60, stale-while-revalidate=30, must-revalidate" }), 70_000), "validate");
  });

  test("RFC 5861 §3: a request max-age still forces validation inside the stale-while-revalidate window", () => {
    assert.equal(decide(stored({ "cache-control": "max-age=60, stale-while-revalidate=30" }), 70_000, { "cache-control": "max-age=100" }), "validate");
  });

  test("RFC 5861 §4: stale-if-error allows a stale response within its window when the origin fails", () => {
    const e = stored({ "cache-control": "max-age=60, stale-if-error=100" });
    assert.equal(staleIfErrorAllows(e, T0 + 150_000), true);
    assert.equal(staleIfErrorAllows(e, T0 + 170_000), false);
  });

  test("RFC 5861 §4: the configured default stale-if-error applies unless the response forbids stale reuse", () => {
    assert.equal(staleIfErrorAllows(stored({ "cache-control": "max-age=60" }, { defaultStaleIfErrorMs: 300_000 }), T0 + 200_000), true);
    assert.equal(staleIfErrorAllows(stored({ "cache-control": "max-age=60, must-revalidate" }, { defaultStaleIfErrorMs: 300_000 }), T0 + 61_000), false);
    assert.equal(staleIfErrorAllows(stored({ "cache-control": "s-maxage=60" }, { defaultStaleIfErrorMs: 300_000 }), T0 + 61_000), false, "s-maxage implies proxy-revalidate");
    assert.equal(staleIfErrorAllows(stored({ "cache-control": "s-maxage=60, stale-if-error=100" }), T0 + 61_000), true, "an explicit window next to s-maxage is honoured");
  });

  test("the retention covers the freshness lifetime plus the longest stale window", () => {
    const e = stored({ "cache-control": "max-age=60, stale-while-revalidate=30, stale-if-error=600" });
    assert.equal(e.expiresAt, T0 + 660_000);
  });
});

describe("targeted cache control (RFC 9213)", () => {
  test("RFC 9213 §2.2: a valid CDN-Cache-Control replaces Cache-Control for this cache", () => {
    assert.equal(reason({ "cache-control": "no-store", "cdn-cache-control": "max-age=60" }), undefined);
    assert.equal(lifetime({ "cache-control": "no-store", "cdn-cache-control": "max-age=60" }), 60_000);
    assert.equal(reason({ "cache-control": "max-age=60", "cdn-cache-control": "no-store" }), "no-store");
    assert.equal(reason({ "cache-control": "public, max-age=60", "cdn-cache-control": "private" }), "private");
  });

  test("RFC 9213 §2.2: Expires is ignored when the targeted field is used", () => {
    assert.equal(lifetime({ "cdn-cache-control": "public", date: date(T0), expires: date(T0 + 60_000) }), 0);
  });

  test("RFC 9213 §2.1: an invalid structured field falls back to Cache-Control", () => {
    assert.equal(lifetime({ "cache-control": "max-age=30", "cdn-cache-control": "max-age=60,," }), 30_000);
    assert.equal(lifetime({ "cache-control": "max-age=30", "cdn-cache-control": "MAX-AGE=60" }), 30_000, "keys are lower case in structured fields");
    assert.equal(lifetime({ "cache-control": "max-age=30", "cdn-cache-control": "" }), 30_000, "empty value");
  });

  test("RFC 9213 §2.1: values of the wrong type are not consumed", () => {
    assert.equal(lifetime({ "cdn-cache-control": "max-age=1.5", "cache-control": "max-age=30" }), 0, "the field is valid, so Cache-Control is ignored; the decimal max-age is not used");
    assert.equal(responseDirectives({ "cdn-cache-control": "s-maxage=120, stale-while-revalidate=30" }).staleWhileRevalidate, 30);
  });
});
