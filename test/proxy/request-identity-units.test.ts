/**
 * Issue #11: the policy of src/proxy/http/ as a table (authority, target,
 * scheme), so a change of policy shows up as a change of this file.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseAuthority } from "../../src/proxy/http/authority.js";
import { onlyContinue } from "../../src/proxy/http/expect.js";
import { effectiveScheme, requestIdentity } from "../../src/proxy/http/request-identity.js";
import { normalizeTarget } from "../../src/proxy/http/target.js";
import { invalidUpstreamResponse } from "../../src/proxy/upstream/invalid-response.js";

test("authority: canonical forms, and what is refused", () => {
  const ok: Array<[string, "http" | "https", string, string]> = [
    ["Example.COM", "http", "example.com", "example.com"],
    ["example.com.", "http", "example.com", "example.com"],
    ["example.com:80", "http", "example.com", "example.com"],
    ["example.com:443", "http", "example.com", "example.com:443"],
    ["example.com:443", "https", "example.com", "example.com"],
    ["example.com:0080", "https", "example.com", "example.com:80"],
    ["[::1]:8080", "http", "[::1]", "[::1]:8080"],
    ["[2001:DB8::0:1]", "http", "[2001:db8::1]", "[2001:db8::1]"],
    ["10.0.0.1:65535", "http", "10.0.0.1", "10.0.0.1:65535"],
  ];
  for (const [value, scheme, host, authority] of ok) assert.deepEqual(parseAuthority(value, scheme), { host, authority }, value);
  for (const bad of ["", ":80", "a@b", "a b", "a,b", "a/b", "a\\b", "\"a\"", "a..b", ".", "..", "a:", "a:65536", "a:1:2", "a:+1", "[::1]:", "[::g]", "[::1%25lo]", "[v7.a]", "a%41", "x".repeat(256)]) {
    assert.equal(typeof parseAuthority(bad, "http"), "string", `${JSON.stringify(bad)} is refused`);
  }
});

test("target: the normal form, and what is refused", () => {
  const ok: Array<[string, string]> = [
    ["/", "/"], ["/a/b?c=d", "/a/b?c=d"], ["/a/./b/../c", "/a/c"], ["/a/b/..", "/a/"], ["/a/.", "/a/"], ["//a///b//", "/a/b/"],
    ["/%7Euser/%41", "/~user/A"], ["/%e2%82%ac", "/%E2%82%AC"], ["/a%2e%2E/b", "/a../b"], ["/a/%2e%2e/b", "/b"], ["/a?%7e=%2f&%zz", "/a?~=%2F&%zz"],
    ["/a?/../b", "/a?/../b"], ["/.well-known/x", "/.well-known/x"], ["/a.b/c.d", "/a.b/c.d"],
  ];
  for (const [given, normal] of ok) {
    const t = normalizeTarget(given);
    assert.ok(typeof t !== "string", `${given}: ${String(t)}`);
    assert.equal(t.target, normal, given);
  }
  for (const bad of ["/a#b", "/a\\b", "/a%2fb", "/a%5Cb", "/a%00", "/..", "/a/../..", "/%2e%2e", "/a%g0", "/a%", "/a b", "/é", "/a?b#c"]) {
    assert.equal(typeof normalizeTarget(bad), "string", `${JSON.stringify(bad)} is refused`);
  }
  const common = "/static/app.js?v=1";
  const fast = normalizeTarget(common);
  assert.ok(typeof fast !== "string" && fast.target === common, "an already-normal target is returned as it came (fast path)");
});

test("scheme: the listener's, or the first entry of a trusted X-Forwarded-Proto", () => {
  assert.equal(effectiveScheme(undefined, "http"), "http");
  assert.equal(effectiveScheme("HTTPS", "http"), "https");
  assert.equal(effectiveScheme(" https , http", "http"), "https");
  for (const bad of ["", "ftp", "https;x", "ws"]) assert.equal(typeof effectiveScheme(bad, "http"), "object", bad);
  assert.equal(typeof requestIdentity("/x", undefined, "http"), "string", "no Host, no identity");
  assert.equal(typeof requestIdentity("*", "a", "http"), "string", "asterisk-form is not routed");
  assert.deepEqual(requestIdentity("http://A.test:80/x/../y?q", "b", "http"), { scheme: "http", host: "a.test", authority: "a.test", target: "/y?q", pathEnd: 2 });
});

test("expectations and upstream heads", () => {
  for (const yes of ["100-continue", "100-Continue", " 100-continue ,", "100-continue, 100-continue"]) assert.equal(onlyContinue(yes), true, yes);
  for (const no of ["", ",", "foo", "100-continue, foo", "100-continuex", "100-continue;a=b"]) assert.equal(onlyContinue(no), false, no);
  assert.equal(invalidUpstreamResponse(599, {}), undefined);
  assert.equal(invalidUpstreamResponse(200, { "transfer-encoding": "CHUNKED" }), undefined);
  for (const [status, te] of [[600, undefined], [200, "gzip, chunked"], [200, ["gzip", "chunked"]], [200, "identity"]] as const) {
    assert.match(String((invalidUpstreamResponse(status, te === undefined ? {} : { "transfer-encoding": te as string | string[] }) as { code?: string } | undefined)?.code), /^HPE_/);
  }
});
