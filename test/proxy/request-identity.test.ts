/**
 * Issue #11: the route, the cache key and what the origin receives come from
 * one request identity. Regression tests for defects 1 (Host validation),
 * 2 (absolute-form and the forwarded identity headers), 5 (one normalised
 * path), 6 (fragments), 7 (the scheme the origin is told is the one keyed)
 * and 10 (HTTP/1.0 without Host), each over several variants of its class.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { send, withTopology } from "./identity-support.js";
import { cluster, config, route, startBackend, withProxy } from "./support.js";

test("defect 1: a Host that is not a valid authority is refused with 400 and nothing is forwarded", async () => {
  await withTopology(async ({ port, pub, admin }) => {
    const invalid = [
      "user@shop.test", "user:pw@shop.test", "shop.test@evil.test", "shop.test:abc", "shop.test:99999", "shop.test:0", "shop.test:",
      "shop.test:80:80", "a.test,b.test", "shop.test/evil", "\"shop.test\"", "'shop.test'", "shop..test", ".shop.test", "[::1", "[::1]x",
      "[fe80::1%25eth0]", "[v1.fe]", "shop.test%2fevil", "sh<op.test", "shop.test;x=1", "shop.test?x", "shop.test#x", "é.test",
    ];
    for (const host of invalid) {
      const r = await send(port, "GET /static/a HTTP/1.1", [`Host: ${host}`]);
      assert.equal(r.status, 400, `Host ${JSON.stringify(host)} → 400 (got ${r.status})`);
    }
    assert.equal(pub.seen.length + admin.seen.length, 0, "no invalid Host reached an origin");
  });
});

test("defect 1: a valid Host reaches the origin in one canonical form that is also the key", async () => {
  await withTopology(async ({ port, pub }) => {
    const cases: Array<[string, string]> = [
      ["Shop.TEST", "shop.test"], ["shop.test.", "shop.test"], ["shop.test:80", "shop.test"], ["shop.test:08080", "shop.test:8080"],
      ["[::1]", "[::1]"], ["[0:0:0:0:0:0:0:1]:8080", "[::1]:8080"], ["127.0.0.1:81", "127.0.0.1:81"], ["my_host.internal", "my_host.internal"],
    ];
    for (const [given, canonical] of cases) {
      const r = await send(port, `GET /static/${encodeURIComponent(given)} HTTP/1.1`, [`Host: ${given}`]);
      assert.equal(r.status, 200, `Host ${given}`);
      const seen = pub.seen.at(-1)!;
      assert.equal(seen.headers.host, canonical, `Host ${given} is sent as ${canonical}`);
      assert.equal(seen.headers["x-forwarded-host"], canonical);
    }
    // The same site spelled differently shares one cache entry: the second spelling is a hit.
    const before = pub.seen.length;
    const a = await send(port, "GET /static/shared HTTP/1.1", ["Host: SHOP.test."]);
    const b = await send(port, "GET /static/shared HTTP/1.1", ["Host: shop.test:80"]);
    assert.equal(b.body, a.body);
    assert.equal(pub.seen.length, before + 1, "one origin request for both spellings");
    // A different port is a different authority, and a different entry.
    await send(port, "GET /static/shared HTTP/1.1", ["Host: shop.test:8080"]);
    assert.equal(pub.seen.length, before + 2);
  });
});

test("defect 2: with an absolute-form target every forwarded identity is the target's authority", async () => {
  await withTopology(async ({ port, pub }) => {
    const cases: Array<[string, string, string]> = [
      ["GET http://a.example/static/x HTTP/1.1", "a.example", "/static/x"],
      ["GET HTTP://A.Example:8080/static/y?q=1 HTTP/1.1", "a.example:8080", "/static/y?q=1"],
      ["GET http://a.example HTTP/1.1", "a.example", "/"],
      ["GET http://a.example?q HTTP/1.1", "a.example", "/?q"],
      ["GET http://a.example/static/../static/z HTTP/1.1", "a.example", "/static/z"],
    ];
    for (const [line, authority, target] of cases) {
      const r = await send(port, line, ["Host: b.example"]);
      assert.equal(r.status, 200, line);
      const seen = pub.seen.at(-1)!;
      assert.equal(seen.url, target, `${line}: origin-form target`);
      assert.equal(seen.headers.host, authority, `${line}: Host`);
      assert.equal(seen.headers["x-forwarded-host"], authority, `${line}: X-Forwarded-Host`);
      assert.match(String(seen.headers.forwarded), new RegExp(`host="?${authority.replace(/[.[\]]/g, "\\$&")}"?;`), `${line}: Forwarded host=`);
      assert.ok(!JSON.stringify(seen.headers).includes("b.example"), `${line}: the client's Host is not forwarded anywhere`);
    }
    const before = pub.seen.length;
    for (const line of ["GET http://user@a.example/ HTTP/1.1", "GET http://a.example:99999/ HTTP/1.1", "GET https://a.example/ HTTP/1.1", "GET ftp://a.example/ HTTP/1.1", "GET http://a.example,b/ HTTP/1.1", "GET http:/a.example/ HTTP/1.1"]) {
      const r = await send(port, line, ["Host: b.example"]);
      assert.equal(r.status, 400, `${line} → 400 (got ${r.status})`);
    }
    const badHost = await send(port, "GET http://a.example/ HTTP/1.1", ["Host: user@b.example"]);
    assert.equal(badHost.status, 400, "an invalid Host is refused even when the target carries the authority");
    assert.equal(pub.seen.length, before, "nothing refused was forwarded");
  });
});

test("defect 5: the route, the cache key and the origin see one normalised path", async () => {
  await withTopology(async ({ port, pub, admin }) => {
    const cases: Array<[string, "public" | "admin", string]> = [
      ["/admin/%2e%2e/public/x", "public", "/public/x"],
      ["/admin/%2E%2E/static/y", "public", "/static/y"],
      ["/static/../admin/secret", "admin", "/admin/secret"],
      ["/static/%2e%2e/admin", "admin", "/admin"],
      ["/static/.%2E/admin/a", "admin", "/admin/a"],
      ["//admin//b", "admin", "/admin/b"],
      ["/./admin/./c/", "admin", "/admin/c/"],
      ["/static/%7euser/%41%62", "public", "/static/~user/Ab"],
      ["/static/%c3%a9?x=%7e%2f", "public", "/static/%C3%A9?x=~%2F"],
      ["/static/a/b/..", "public", "/static/a/"],
    ];
    for (const [target, fleet, normal] of cases) {
      const r = await send(port, `GET ${target} HTTP/1.1`, ["Host: shop.test"]);
      assert.equal(r.status, 200, target);
      const origin = fleet === "public" ? pub : admin;
      assert.equal(origin.seen.at(-1)?.url, normal, `${target} is routed to ${fleet} and sent as ${normal}`);
      assert.equal(JSON.parse(r.body).url, normal);
    }
    // Cache deception: a private page reached through /static/ is routed (and not cached) as the private page.
    const adminBefore = admin.seen.length;
    await send(port, "GET /static/..%2Fadmin HTTP/1.1", ["Host: shop.test"]);
    await send(port, "GET /static/../admin/me HTTP/1.1", ["Host: shop.test"]);
    await send(port, "GET /static/../admin/me HTTP/1.1", ["Host: shop.test"]);
    assert.equal(admin.seen.length, adminBefore + 2, "both went to the uncached admin route");
    // Two spellings of one path share one cache entry.
    const pubBefore = pub.seen.length;
    const one = await send(port, "GET /static/%61pp.js HTTP/1.1", ["Host: shop.test"]);
    const two = await send(port, "GET /static/./x/../app.js HTTP/1.1", ["Host: shop.test"]);
    assert.equal(two.body, one.body);
    assert.equal(pub.seen.length, pubBefore + 1);
  });
});

test("defect 5: ambiguous paths are refused with 400 before anything is forwarded", async () => {
  await withTopology(async ({ port, pub, admin }) => {
    const refused = ["/static/..%2Fadmin", "/static%2f..%2fadmin", "/static/%5c..%5cadmin", "/static/a%00b", "/static\\..\\admin", "/..", "/static/../../admin",
      "/%2e%2e/admin", "/static/%zz", "/static/%4", "/static/%"];
    for (const target of refused) {
      const r = await send(port, `GET ${target} HTTP/1.1`, ["Host: shop.test"]);
      assert.equal(r.status, 400, `${target} → 400 (got ${r.status})`);
    }
    assert.equal(pub.seen.length + admin.seen.length, 0);
  });
});

test("defect 6: a fragment is never forwarded nor keyed: the request is refused", async () => {
  await withTopology(async ({ port, pub }) => {
    for (const target of ["/static/a#x", "/static/a?q=1#frag", "/static/a%23b#c", "http://shop.test/static/a#f", "/#"]) {
      const r = await send(port, `GET ${target} HTTP/1.1`, ["Host: shop.test"]);
      assert.equal(r.status, 400, `${target} → 400 (got ${r.status})`);
    }
    assert.equal(pub.seen.length, 0);
    const encoded = await send(port, "GET /static/a%23b HTTP/1.1", ["Host: shop.test"]);
    assert.equal(encoded.status, 200, "an encoded # is part of the path");
    assert.equal(pub.seen.at(-1)?.url, "/static/a%23b");
  });
});

test("defect 7: the cache keys on the scheme the origin is told, not the listener's", async () => {
  await withTopology(async ({ port, pub }) => {
    const http1 = await send(port, "GET /static/r HTTP/1.1", ["Host: shop.test", "X-Forwarded-Proto: http"]);
    const https1 = await send(port, "GET /static/r HTTP/1.1", ["Host: shop.test", "X-Forwarded-Proto: https"]);
    assert.equal(JSON.parse(http1.body).xfp, "http");
    assert.equal(JSON.parse(https1.body).xfp, "https", "an https user gets the response made for https, not the cached http one");
    assert.equal(pub.seen.length, 2);
    const https2 = await send(port, "GET /static/r HTTP/1.1", ["Host: shop.test", "X-Forwarded-Proto: HTTPS, http"]);
    assert.equal(JSON.parse(https2.body).n, JSON.parse(https1.body).n, "the first entry of the list is the client's scheme; a hit");
    assert.equal(pub.seen.at(-1)?.headers.forwarded, "for=127.0.0.1;host=shop.test;proto=https");
    for (const bogus of ["ftp", "", "https;x", "javascript"]) {
      const r = await send(port, "GET /static/r HTTP/1.1", ["Host: shop.test", `X-Forwarded-Proto: ${bogus}`]);
      assert.equal(r.status, 400, `X-Forwarded-Proto ${JSON.stringify(bogus)} from a trusted proxy → 400`);
    }
    assert.equal(pub.seen.length, 2);
  }, { trustedProxies: ["127.0.0.0/8"] });
  await withTopology(async ({ port, pub }) => {
    const r = await send(port, "GET /static/r HTTP/1.1", ["Host: shop.test", "X-Forwarded-Proto: https"]);
    assert.equal(JSON.parse(r.body).xfp, "http", "an untrusted client cannot choose the scheme");
    assert.equal(pub.seen.at(-1)?.headers["x-forwarded-proto"], "http");
  });
});

test("defect 10: HTTP/1.0 without Host is refused; with Host it is forwarded with that Host", async () => {
  await withTopology(async ({ port, pub }) => {
    for (const line of ["GET /static/a HTTP/1.0", "GET / HTTP/1.0", "HEAD /static/a HTTP/1.0"]) {
      const r = await send(port, line, []);
      assert.equal(r.status, 400, line);
    }
    assert.equal(pub.seen.length, 0);
    const ok = await send(port, "GET /static/a HTTP/1.0", ["Host: Shop.test"]);
    assert.equal(ok.status, 200);
    assert.equal(pub.seen[0]?.headers.host, "shop.test");
    const abs = await send(port, "GET http://a.example/static/b HTTP/1.0", []);
    assert.equal(abs.status, 400, "an absolute-form target without Host is refused too (one rule)");
  });
});

test("header hygiene: underscore names are dropped; X-Real-IP is set like X-Forwarded-For", async () => {
  await withTopology(async ({ port, admin }) => {
    await send(port, "POST /admin/x HTTP/1.1", ["Host: shop.test", "Transfer_Encoding: chunked", "X_Forwarded_For: 6.6.6.6", "x_custom: 1", "X-Real-IP: 6.6.6.6", "Content-Length: 2"], "ok");
    const seen = admin.seen.at(-1)!;
    assert.equal(seen.body.toString(), "ok");
    const names = seen.rawHeaders.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase());
    for (const gone of ["transfer_encoding", "x_forwarded_for", "x_custom"]) assert.ok(!names.includes(gone), `${gone} is not forwarded`);
    assert.equal(seen.headers["x-real-ip"], "127.0.0.1", "an untrusted client's X-Real-IP is replaced by its address");
  });
  await withTopology(async ({ port, admin }) => {
    await send(port, "GET /admin/y HTTP/1.1", ["Host: shop.test", "X-Real-IP: 203.0.113.9"]);
    assert.equal(admin.seen.at(-1)?.headers["x-real-ip"], "203.0.113.9", "a trusted proxy's X-Real-IP is kept");
  }, { trustedProxies: ["127.0.0.0/8"] });
});

test("route header conditions read the headers as forwarded: a header stripped as hop-by-hop cannot choose the route", async () => {
  const canary = await startBackend("canary");
  const stable = await startBackend("stable");
  try {
    const cfg = config([cluster("canary", [canary]), cluster("stable", [stable])], [
      route("canary", "canary", { match: { pathPrefix: "/", headers: { "x-canary": "1" } } }),
      route("stable", "stable"),
    ]);
    await withProxy(cfg, async (proxy) => {
      const port = proxy.ports["web"]!;
      for (const connection of ["X-Canary", "keep-alive, x-canary"]) {
        const r = await send(port, "GET / HTTP/1.1", ["Host: shop.test", `Connection: ${connection}`, "X-Canary: 1"]);
        assert.match(r.body, /\bstable\b/, `Connection: ${connection} strips X-Canary, so the canary route does not match`);
      }
      for (const name of ["X_Canary", "x_canary"]) {
        const r = await send(port, "GET / HTTP/1.1", ["Host: shop.test", `${name}: 1`]);
        assert.match(r.body, /\bstable\b/, `${name} is dropped, so it cannot match`);
      }
      const real = await send(port, "GET / HTTP/1.1", ["Host: shop.test", "X-Canary: 1"]);
      assert.match(real.body, /\bcanary\b/);
      assert.equal(canary.seen[0]?.headers["x-canary"], "1", "the canary origin gets the header it was chosen by");
    });
  } finally {
    await canary.close();
    await stable.close();
  }
});
