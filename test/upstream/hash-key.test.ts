import assert from "node:assert/strict";
import { test } from "node:test";
import { extractHashKey } from "../../src/proxy/upstream/index.js";

test("header:<name> reads the header case-insensitively and joins repeated values", () => {
  assert.equal(extractHashKey("header:X-User", { headers: { "x-user": "42" } }), "42");
  assert.equal(extractHashKey("header:x-user", { headers: { "x-user": ["a", "b"] } }), "a,b");
  assert.equal(extractHashKey("header:x-user", { headers: {} }), undefined);
  assert.equal(extractHashKey("header:x-user", { headers: { "x-user": "" } }), undefined);
});

test("cookie:<name> finds the cookie among others, unquoting it", () => {
  const headers = { cookie: 'theme=dark; session="abc=1"; sid=xyz' };
  assert.equal(extractHashKey("cookie:session", { headers }), "abc=1");
  assert.equal(extractHashKey("cookie:sid", { headers }), "xyz");
  assert.equal(extractHashKey("cookie:id", { headers }), undefined, "no prefix match on 'sid'");
  assert.equal(extractHashKey("cookie:sid", { headers: { cookie: ["a=1", "sid=2"] } }), "2");
  assert.equal(extractHashKey("cookie:sid", { headers: {} }), undefined);
});

test("path drops the query and fragment, and handles absolute-form targets", () => {
  assert.equal(extractHashKey("path", { headers: {}, url: "/img/a.png?w=100" }), "/img/a.png");
  assert.equal(extractHashKey("path", { headers: {}, url: "/a#frag" }), "/a");
  assert.equal(extractHashKey("path", { headers: {}, url: "http://example.com/x/y?z" }), "/x/y");
  assert.equal(extractHashKey("path", { headers: {}, url: "http://example.com" }), "/");
  assert.equal(extractHashKey("path", { headers: {} }), undefined);
});

test("client-ip uses the peer address, with IPv4-mapped IPv6 unmapped", () => {
  assert.equal(extractHashKey("client-ip", { headers: {}, remoteAddress: "::ffff:192.0.2.7" }), "192.0.2.7");
  assert.equal(extractHashKey("client-ip", { headers: {}, remoteAddress: "2001:db8::1" }), "2001:db8::1");
  assert.equal(extractHashKey("client-ip", { headers: { "x-forwarded-for": "1.2.3.4" }, remoteAddress: "10.0.0.1" }), "10.0.0.1", "never a spoofable header");
});

test("no spec or an unknown spec gives no key", () => {
  assert.equal(extractHashKey(undefined, { headers: { a: "1" } }), undefined);
  assert.equal(extractHashKey("query:x", { headers: {}, url: "/?x=1" }), undefined);
});
