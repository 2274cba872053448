import assert from "node:assert/strict";
import { test } from "node:test";
import { cluster, config, get, route, startBackend, withProxy } from "./support.js";

const cacheConfig = { name: "edge", memory: { maxBytes: 1 << 20, maxObjectBytes: 1 << 18 }, heuristicFreshness: false, defaultStaleIfErrorMs: 0 };
const TOKEN_ENV = "EDGEFORM_SECRET_TEST_PURGE";

test("a cached route answers repeats from cache, passes other methods through, and purges on request", async () => {
  let n = 0;
  const b = await startBackend("b", (req, res, body) => {
    n++;
    if (req.method === "POST") return res.end(`posted:${body.toString()}`);
    res.writeHead(200, { "cache-control": "max-age=60", "content-type": "text/plain", connection: "x-hop", "x-hop": "1" });
    res.end(`version-${n}`);
  });
  try {
    const cfg = config([cluster("f", [b])], [route("r", "f", { cache: { cache: "edge", keyQuery: "keep", cacheSetCookie: false } })], {
      caches: [cacheConfig],
      admin: { host: "127.0.0.1", port: 0, tokenEnv: TOKEN_ENV },
    });
    await withProxy(cfg, async (proxy) => {
      const port = proxy.ports["web"]!;
      const first = await get(port, "/static/app.js", { headers: { host: "shop.test" } });
      const second = await get(port, "/static/app.js", { headers: { host: "shop.test" } });
      assert.equal(first.body, "version-1");
      assert.equal(second.body, "version-1");
      assert.equal(b.seen.length, 1, "the repeat was served from cache");
      assert.match(String(second.headers["cache-status"]), /hit/);
      assert.equal(second.headers["x-hop"], undefined, "hop-by-hop headers are not stored or replayed");
      assert.equal(second.headers["via"], "1.1 test");
      assert.ok(second.headers["x-request-id"]);
      assert.notEqual(second.headers["x-request-id"], first.headers["x-request-id"]);
      const seen = b.seen[0]!.headers;
      assert.equal(seen["x-forwarded-for"], "127.0.0.1", "fetches through the cache carry forwarding headers");

      const post = await get(port, "/static/form", { method: "POST", body: "a=1", headers: { host: "shop.test" } });
      assert.equal(post.body, "posted:a=1");

      const purge = await get(proxy.ports["admin"]!, "/purge", {
        method: "POST",
        headers: { authorization: "Bearer t0ken" },
        body: JSON.stringify({ url: "http://shop.test/static/app.js" }),
      });
      assert.equal(purge.status, 200, purge.body);
      assert.ok(JSON.parse(purge.body).purged >= 1);
      const third = await get(port, "/static/app.js", { headers: { host: "shop.test" } });
      assert.equal(third.body, "version-3", "after the purge the backend is asked again");
    }, { env: { [TOKEN_ENV]: "t0ken" } });
  } finally {
    await b.close();
  }
});

test("a cached route whose fleet fails gets a gateway error from the one boundary", async () => {
  await withProxy(config([cluster("f", [])], [route("r", "f", { cache: { cache: "edge", keyQuery: "keep", cacheSetCookie: false } })], { caches: [cacheConfig] }), async (proxy) => {
    const r = await get(proxy.ports["web"]!, "/x");
    assert.equal(r.status, 503);
    assert.match(r.body, /no usable backend/);
  });
});
