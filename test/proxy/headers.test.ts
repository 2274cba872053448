import assert from "node:assert/strict";
import { test } from "node:test";
import { forwardRequestHeaders, forwardResponseHeaders } from "../../src/proxy/http/headers.js";
import { cluster, config, get, raw, route, startBackend, withProxy } from "./support.js";

const identity = { via: "1.1 edge", proto: "http" as const };

function asMap(flat: string[]): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (let i = 0; i < flat.length; i += 2) {
    const k = flat[i]!.toLowerCase();
    m.set(k, [...(m.get(k) ?? []), flat[i + 1]!]);
  }
  return m;
}

test("request: hop-by-hop headers, including those the Connection header names, are dropped", () => {
  const out = forwardRequestHeaders(
    ["Host", "a.test", "Connection", "keep-alive, X-Secret-Hop", "Keep-Alive", "timeout=5", "TE", "trailers", "Upgrade", "h2c",
      "Proxy-Authorization", "Basic x", "Proxy-Connection", "close", "Trailer", "X-T", "X-Secret-Hop", "1", "Accept", "*/*", "Transfer-Encoding", "chunked"],
    "/", "10.0.0.1", false, identity);
  const h = asMap(out.headers);
  for (const gone of ["connection", "keep-alive", "te", "upgrade", "proxy-authorization", "proxy-connection", "trailer", "x-secret-hop", "transfer-encoding"]) {
    assert.equal(h.has(gone), false, `${gone} must not be forwarded`);
  }
  assert.deepEqual(h.get("accept"), ["*/*"]);
  assert.deepEqual(h.get("host"), ["a.test"]);
  assert.equal(out.hasBody, true, "a chunked request has a body");
});

test("request: X-Forwarded-* and Forwarded from an untrusted peer are replaced, from a trusted one extended", () => {
  const incoming = ["Host", "shop.test", "X-Forwarded-For", "6.6.6.6", "X-Forwarded-Proto", "https", "X-Forwarded-Host", "evil.test", "Forwarded", "for=6.6.6.6"];
  const untrusted = asMap(forwardRequestHeaders(incoming, "/", "203.0.113.7", false, identity).headers);
  assert.deepEqual(untrusted.get("x-forwarded-for"), ["203.0.113.7"]);
  assert.deepEqual(untrusted.get("x-forwarded-proto"), ["http"]);
  assert.deepEqual(untrusted.get("x-forwarded-host"), ["shop.test"]);
  assert.deepEqual(untrusted.get("forwarded"), ["for=203.0.113.7;host=shop.test;proto=http"]);

  const trusted = asMap(forwardRequestHeaders(incoming, "/", "10.1.2.3", true, identity).headers);
  assert.deepEqual(trusted.get("x-forwarded-for"), ["6.6.6.6, 10.1.2.3"]);
  assert.deepEqual(trusted.get("x-forwarded-proto"), ["https"]);
  assert.deepEqual(trusted.get("x-forwarded-host"), ["shop.test"], "X-Forwarded-Host always names the authority that was routed");
  assert.deepEqual(trusted.get("forwarded"), ["for=6.6.6.6, for=10.1.2.3;host=shop.test;proto=https"]);

  const v6 = asMap(forwardRequestHeaders(["Host", "h:8080"], "/", "::1", false, identity).headers);
  assert.deepEqual(v6.get("forwarded"), ['for="[::1]";host="h:8080";proto=http'], "IPv6 and host:port are quoted");
});

test("request: Via is appended, X-Request-Id passed on when sane or generated", () => {
  const passed = forwardRequestHeaders(["Host", "a", "Via", "1.0 upstream-cdn", "X-Request-Id", "abc-123"], "/", "1.2.3.4", false, identity);
  assert.equal(passed.requestId, "abc-123");
  assert.deepEqual(asMap(passed.headers).get("via"), ["1.0 upstream-cdn, 1.1 edge"]);
  const generated = forwardRequestHeaders(["Host", "a", "X-Request-Id", "bad id with spaces"], "/", "1.2.3.4", false, identity);
  assert.match(generated.requestId, /^[0-9a-f-]{36}$/);
  assert.deepEqual(asMap(generated.headers).get("x-request-id"), [generated.requestId]);
});

test("request: two Host headers or an unknown transfer coding make the request invalid", () => {
  assert.ok(forwardRequestHeaders(["Host", "a", "host", "b"], "/", "1.2.3.4", false, identity).invalid);
  assert.ok(forwardRequestHeaders(["Host", "a", "Transfer-Encoding", "gzip, chunked"], "/", "1.2.3.4", false, identity).invalid);
});

test("response: hop-by-hop headers dropped, Via and X-Request-Id added, repeated headers kept", () => {
  const out = asMap(forwardResponseHeaders({ connection: "close, x-internal", "x-internal": "1", "keep-alive": "timeout=5", "transfer-encoding": "chunked", "set-cookie": ["a=1", "b=2"], "content-type": "text/plain" }, identity, "rid"));
  assert.equal(out.has("connection") || out.has("x-internal") || out.has("keep-alive") || out.has("transfer-encoding"), false);
  assert.deepEqual(out.get("set-cookie"), ["a=1", "b=2"]);
  assert.deepEqual(out.get("via"), ["1.1 edge"]);
  assert.deepEqual(out.get("x-request-id"), ["rid"]);
});

test("through the proxy: hop-by-hop stripped both ways and X-Forwarded-* trusted only from trustedProxies", async () => {
  const b = await startBackend("b", (_req, res) => {
    res.writeHead(200, { connection: "x-backend-hop", "x-backend-hop": "secret", "keep-alive": "timeout=30", "x-kept": "yes" });
    res.end("ok");
  });
  try {
    const spoof = { "x-forwarded-for": "6.6.6.6", "x-forwarded-proto": "https", connection: "x-client-hop", "x-client-hop": "1" };
    await withProxy(config([cluster("f", [b])], [route("r", "f")]), async (proxy) => {
      const r = await get(proxy.ports["web"]!, "/", { headers: spoof });
      assert.equal(r.status, 200);
      assert.equal(r.headers["x-backend-hop"], undefined, "response header named by Connection is dropped");
      assert.equal(r.headers["keep-alive"], "timeout=5", "the client sees the proxy's own keep-alive, not the backend's");
      assert.equal(r.headers["x-kept"], "yes");
      assert.equal(r.headers["via"], "1.1 test");
      assert.ok(r.headers["x-request-id"]);
      const seen = b.seen.at(-1)!.headers;
      assert.equal(seen["x-forwarded-for"], "127.0.0.1", "spoofed X-Forwarded-For replaced");
      assert.equal(seen["x-forwarded-proto"], "http");
      assert.equal(seen["x-client-hop"], undefined);
      assert.equal(seen["via"], "1.1 test");
      assert.equal(seen["x-request-id"], r.headers["x-request-id"], "the backend and the client see the same request id");
    });
    await withProxy(config([cluster("f", [b])], [route("r", "f")], { trustedProxies: ["127.0.0.0/8"] }), async (proxy) => {
      await get(proxy.ports["web"]!, "/", { headers: spoof });
      const seen = b.seen.at(-1)!.headers;
      assert.equal(seen["x-forwarded-for"], "6.6.6.6, 127.0.0.1", "a trusted peer's chain is extended");
      assert.equal(seen["x-forwarded-proto"], "https");
    });
  } finally {
    await b.close();
  }
});

test("a request with two Host headers is refused before reaching a backend", async () => {
  const b = await startBackend("b");
  try {
    await withProxy(config([cluster("f", [b])], [route("r", "f")]), async (proxy) => {
      const r = await raw(proxy.ports["web"]!, "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\nConnection: close\r\n\r\n");
      assert.match(r.text, /^HTTP\/1.1 400/);
      assert.equal(b.seen.length, 0);
    });
  } finally {
    await b.close();
  }
});
