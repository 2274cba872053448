/** Cache keys, purge selectors, Vary selection, and the parsers under them. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { isEdgeformError } from "../../src/errors.js";
import { parseHttpDate } from "../../src/proxy/cache/http-date.js";
import { planPurge, primaryKey, variantKey } from "../../src/proxy/cache/key.js";
import { parseSfDictionary } from "../../src/proxy/cache/sf-dictionary.js";
import { parseVary, varyMatches, varyValues } from "../../src/proxy/cache/vary.js";

describe("cache keys", () => {
  test("scheme and host are lower-cased; the path is kept as sent", () => {
    assert.equal(primaryKey("HTTPS", "Shop.Test", "/A/b", "keep"), "https://shop.test/A/b");
  });

  test("RFC 3986 §6.2.2: percent-encoding hex case is normalised and unreserved characters decoded", () => {
    assert.equal(primaryKey("https", "h", "/a%2fb%7e%41", "keep"), "https://h/a%2Fb~A");
  });

  test("dot-segments are not removed: the origin may treat them differently (cache poisoning)", () => {
    assert.notEqual(primaryKey("https", "h", "/static/../admin", "keep"), primaryKey("https", "h", "/admin", "keep"));
  });

  test("the query is kept, sorted or ignored per route", () => {
    assert.equal(primaryKey("https", "h", "/p?b=2&a=1", "keep"), "https://h/p?b=2&a=1");
    assert.equal(primaryKey("https", "h", "/p?b=2&a=1", "sort"), "https://h/p?a=1&b=2");
    assert.equal(primaryKey("https", "h", "/p?b=2&a=1", "ignore"), "https://h/p");
    assert.equal(primaryKey("https", "h", "/p?", "keep"), "https://h/p");
  });

  test("targets that are not origin-form are not cached", () => {
    assert.equal(primaryKey("https", "h", "*", "keep"), undefined);
    assert.equal(primaryKey("https", "h", "http://evil.test/", "keep"), undefined);
  });

  test("keys never include headers: two requests differing only in headers share the primary key", () => {
    assert.equal(primaryKey("https", "h", "/p", "keep"), primaryKey("https", "h", "/p", "keep"));
  });

  test("RFC 9111 §4.1: variant keys differ by Vary values, and absent differs from empty", () => {
    const names = ["accept-encoding"];
    const gzip = variantKey("k", names, ["gzip"]);
    assert.notEqual(gzip, variantKey("k", names, ["br"]));
    assert.notEqual(variantKey("k", names, [null]), variantKey("k", names, [""]));
    assert.ok(gzip.startsWith("k\0"));
  });
});

describe("Vary selection (RFC 9111 §4.1)", () => {
  test("names are case-insensitive and sorted; * is reported", () => {
    assert.deepEqual(parseVary({ vary: "Accept-Language, accept-encoding" }), ["accept-encoding", "accept-language"]);
    assert.deepEqual(parseVary({ vary: "accept, *" }), ["*"]);
  });

  test("values are normalised in whitespace (and case for Accept-Encoding) before matching", () => {
    const stored = { names: ["accept-encoding", "x-variant"], values: varyValues({ "accept-encoding": "gzip, br", "x-variant": "A" }, ["accept-encoding", "x-variant"]) };
    assert.equal(varyMatches(stored, { "accept-encoding": "GZIP,br", "x-variant": "A" }), true);
    assert.equal(varyMatches(stored, { "accept-encoding": "gzip, br", "x-variant": "a" }), false, "other fields keep their case");
    assert.equal(varyMatches(stored, { "accept-encoding": "gzip, br" }), false, "absent does not match present");
  });
});

describe("purge selectors", () => {
  test("a URL without a scheme purges both schemes, with the query as given and sorted", () => {
    const plan = planPurge({ url: "Shop.Test/p?b=1&a=2" });
    assert.equal(plan.kind, "urls");
    assert.deepEqual(plan.kind === "urls" && plan.primaryKeys.sort(), [
      "http://shop.test/p?a=2&b=1", "http://shop.test/p?b=1&a=2", "https://shop.test/p?a=2&b=1", "https://shop.test/p?b=1&a=2",
    ]);
  });

  test("a prefix keeps its scheme; a bare host means every path on it", () => {
    assert.deepEqual(planPurge({ prefix: "https://shop.test/static/" }), { kind: "prefix", prefixes: ["https://shop.test/static/"] });
    assert.deepEqual(planPurge({ prefix: "shop.test" }), { kind: "prefix", prefixes: ["http://shop.test/", "https://shop.test/"] });
  });

  test("invalid selectors are EF_PROXY_CACHE_PURGE errors that say how to fix them", () => {
    for (const bad of [{}, { url: "a", prefix: "b" }, { url: "ftp://x/y" }, { surrogateKey: "two words" }, { surrogateKey: " " }]) {
      assert.throws(() => planPurge(bad), (e: unknown) => isEdgeformError(e) && e.code === "EF_PROXY_CACHE_PURGE" && e.hint !== undefined, JSON.stringify(bad));
    }
  });
});

describe("parsers", () => {
  test("RFC 9110 §5.6.7: IMF-fixdate, RFC 850 and asctime dates; anything else is invalid", () => {
    const t = Date.UTC(1994, 10, 6, 8, 49, 37);
    assert.equal(parseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT"), t);
    assert.equal(parseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT"), t);
    assert.equal(parseHttpDate("Sun Nov  6 08:49:37 1994"), t);
    for (const bad of ["0", "2030", "Sun, 31 Feb 1994 08:49:37 GMT", "yesterday", ""]) assert.equal(parseHttpDate(bad), undefined, bad);
  });

  test("RFC 8941 §4.2.2: dictionaries with integers, tokens, strings, booleans and parameters", () => {
    const d = parseSfDictionary('max-age=60, no-store, private="set-cookie", stale-if-error=300;x=1, a=?0, t=tok');
    assert.ok(d);
    assert.equal(d.get("max-age"), 60);
    assert.equal(d.get("no-store"), true);
    assert.equal(d.get("private"), "set-cookie");
    assert.equal(d.get("stale-if-error"), 300);
    assert.equal(d.get("a"), false);
    assert.deepEqual(d.get("t"), { token: "tok" });
    for (const bad of ["max-age=60,", "Max-Age=1", "a=1 b=2", 'a="unterminated', "a=1234567890123456"]) assert.equal(parseSfDictionary(bad), undefined, bad);
  });
});
