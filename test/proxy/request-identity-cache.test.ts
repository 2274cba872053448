/**
 * Issue #11, the cache side of one request identity: defect 8 (Vary is
 * matched on the headers actually forwarded), defect 9 (bodies on GET/HEAD
 * refused on cached routes) and defect 11 (the `sort` query mode sorts by
 * name only, stably).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { normalizeQuery, primaryKey } from "../../src/proxy/cache/key.js";
import { CACHE, send } from "./identity-support.js";
import { cluster, config, route, startBackend, withProxy } from "./support.js";

test("defect 8: a Vary-named header the client nominates in Connection selects the variant the origin actually saw", async () => {
  let n = 0;
  const b = await startBackend("b", (req, res) => {
    const body = `${++n}:flavor=${String(req.headers["x-flavor"] ?? "none")}:lang=${String(req.headers["accept-language"] ?? "none")}`;
    res.writeHead(200, { "cache-control": "max-age=60", vary: "X-Flavor, Accept-Language", "content-length": Buffer.byteLength(body) });
    res.end(body);
  });
  try {
    const cfg = config([cluster("f", [b])], [route("r", "f", { cache: { cache: "edge", keyQuery: "keep", cacheSetCookie: false } })], { caches: [CACHE] });
    await withProxy(cfg, async (proxy) => {
      const port = proxy.ports["web"]!;
      const stripped = [
        ["Connection: X-Flavor", "X-Flavor: evil"],
        ["Connection: keep-alive, x-flavor", "X-Flavor: evil"],
        ["Connection: Accept-Language, X-Flavor", "X-Flavor: evil", "Accept-Language: fr"],
      ];
      for (const headers of stripped) {
        const poisoned = await send(port, "GET /v HTTP/1.1", ["Host: shop.test", ...headers]);
        assert.match(poisoned.body, /flavor=none/, "the origin never saw X-Flavor");
        const victim = await send(port, "GET /v HTTP/1.1", ["Host: shop.test", ...headers.filter((h) => !h.startsWith("Connection"))]);
        assert.doesNotMatch(victim.body, /flavor=none/, `a client that really sends ${headers.filter((h) => !h.startsWith("Connection")).join(", ")} must not get the variant made without it`);
      }
      // The variant the origin made without X-Flavor is the one for clients that send none: a hit.
      const plain = await send(port, "GET /v HTTP/1.1", ["Host: shop.test"]);
      assert.match(plain.body, /^1:flavor=none:lang=none$/);
    });
  } finally {
    await b.close();
  }
});

test("defect 9: GET and HEAD with a body are refused on cached routes, and forwarded on uncached ones", async () => {
  const b = await startBackend("b", (req, res, body) => {
    res.writeHead(200, { "cache-control": "max-age=60", "content-length": String(4 + body.length) });
    res.end(req.method === "HEAD" ? undefined : `got:${body.toString()}`);
  });
  try {
    const cached = { cache: "edge", keyQuery: "keep" as const, cacheSetCookie: false };
    const cfg = config([cluster("f", [b])], [route("plain", "f", { match: { pathPrefix: "/plain/" } }), route("cached", "f", { cache: cached })], { caches: [CACHE] });
    await withProxy(cfg, async (proxy) => {
      const port = proxy.ports["web"]!;
      const bodies: Array<[string, string[], string]> = [
        ["GET /page HTTP/1.1", ["Content-Length: 5"], "evil!"],
        ["GET /page HTTP/1.1", ["Transfer-Encoding: chunked"], "5\r\nevil!\r\n0\r\n\r\n"],
        ["HEAD /page HTTP/1.1", ["Content-Length: 3"], "abc"],
        ["GET /page?x HTTP/1.1", ["Content-Length: 1"], "x"],
      ];
      for (const [line, headers, body] of bodies) {
        const r = await send(port, line, ["Host: shop.test", ...headers], body);
        assert.equal(r.status, 400, `${line} with a body on a cached route → 400`);
      }
      assert.equal(b.seen.length, 0);
      const empty = await send(port, "GET /page HTTP/1.1", ["Host: shop.test", "Content-Length: 0"]);
      assert.equal(empty.status, 200, "Content-Length: 0 is no body");
      const post = await send(port, "POST /page HTTP/1.1", ["Host: shop.test", "Content-Length: 2"], "ok");
      assert.equal(post.status, 200, "other methods keep their bodies");
      const uncached = await send(port, "GET /plain/x HTTP/1.1", ["Host: shop.test", "Content-Length: 2"], "hi");
      assert.equal(uncached.status, 200);
      assert.equal(b.seen.at(-1)?.body.toString(), "hi", "on an uncached route the body is forwarded as before");
    });
  } finally {
    await b.close();
  }
});

test("defect 11: the sort query mode orders parameters by name only, keeping the order of repeated names", () => {
  const same: Array<[string, string]> = [["b=1&a=2", "a=2&b=1"], ["c&a=1&b", "b&c&a=1"], ["x=1&a=%7e", "a=~&x=1"]];
  for (const [p, q] of same) assert.equal(normalizeQuery(p, "sort"), normalizeQuery(q, "sort"), `${p} ~ ${q}`);
  const different: Array<[string, string]> = [["a=1&a=2", "a=2&a=1"], ["a=2&b=1&a=1", "a=1&b=1&a=2"], ["k=x&k", "k&k=x"], ["a=1&a=1&a=2", "a=1&a=2&a=1"]];
  for (const [p, q] of different) assert.notEqual(primaryKey("https", "h", `/p?${p}`, "sort"), primaryKey("https", "h", `/p?${q}`, "sort"), `${p} and ${q} mean different things`);
  assert.equal(normalizeQuery("b=2&a=9&b=1&a=3", "sort"), "?a=9&a=3&b=2&b=1");
});
