/**
 * A config generation owns the proxy's identity: a reload that renames the
 * topology changes Via for requests that start after it, never for requests
 * still in flight on the old generation. The same holds for its cache
 * layers.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { CacheLayers } from "../../src/proxy/runtime/cache-layers.js";
import { FleetRegistry } from "../../src/proxy/runtime/fleet-registry.js";
import { RuntimeState } from "../../src/proxy/runtime/generation.js";
import { ProxyMetrics } from "../../src/proxy/runtime/metrics.js";
import { UpstreamPools } from "../../src/proxy/upstream/pools.js";
import { cluster, config, get, raw, route, silentLogger, sleep, startBackend, withProxy } from "./support.js";

test("a reload's new Via applies to new requests; in-flight ones keep their generation's", async () => {
  const backend = await startBackend("slow", (req, res) => setTimeout(() => res.end(String(req.headers["via"])), req.url === "/slow" ? 400 : 0));
  try {
    const cfg = config([cluster("f", [backend])], [route("r", "f")]);
    await withProxy(cfg, async (proxy) => {
      const port = proxy.ports["web"]!;
      const inFlight = get(port, "/slow");
      await sleep(100);
      await proxy.reload({ ...cfg, name: "renamed" });
      const after = await get(port, "/fast");
      const before = await inFlight;
      assert.equal(before.body, "1.1 test", "the backend saw the old generation's Via");
      assert.equal(before.headers["via"], "1.1 test", "the response written after the reload still carries the Via its request started with");
      assert.equal(after.body, "1.1 renamed");
      assert.equal(after.headers["via"], "1.1 renamed");
      const refused = await raw(port, "OPTIONS * HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
      assert.match(refused.text, /^HTTP\/1\.1 400 [^]*\r\nvia: 1\.1 renamed\r\n/i, "answers the proxy gives itself carry the current generation's Via too");
    });
  } finally {
    await backend.close();
  }
});

test("cache bindings come from the request's generation: a reload that changes the cache leaves an in-flight request on its own", async () => {
  let n = 0;
  const backend = await startBackend("b", (req, res) => {
    const version = ++n;
    setTimeout(() => {
      const body = `v${version}`;
      res.writeHead(200, { "cache-control": "max-age=60", "content-type": "text/plain", "content-length": String(body.length) });
      res.end(body);
    }, req.url === "/slow" ? 400 : 0);
  });
  try {
    const before = { name: "edge", memory: { maxBytes: 1 << 20, maxObjectBytes: 1 << 18 }, heuristicFreshness: false, defaultStaleIfErrorMs: 0 };
    const changed = { ...before, memory: { maxBytes: 1 << 20, maxObjectBytes: 1 << 17 } };
    const cfg = config([cluster("f", [backend])], [route("r", "f", { cache: { cache: "edge", keyQuery: "keep", cacheSetCookie: false } })], { caches: [before] });
    await withProxy(cfg, async (proxy) => {
      const port = proxy.ports["web"]!;
      const inFlight = get(port, "/slow");
      await sleep(100);
      await proxy.reload({ ...cfg, caches: [changed] });
      const old = await inFlight;
      assert.equal(old.status, 200);
      assert.equal(old.body, "v1");
      assert.match(String(old.headers["cache-status"]), /fwd=miss; stored/, "the old generation's cache stayed open and stored the answer while the new generation was serving");
      const first = await get(port, "/slow");
      assert.equal(first.body, "v2", "the new generation has the new config's cache, which did not get the old generation's entry");
      const repeat = await get(port, "/slow");
      assert.equal(repeat.body, "v2");
      assert.match(String(repeat.headers["cache-status"]), /hit/, "and that cache serves the new generation's requests");
      assert.equal(backend.seen.length, 2);
    });
  } finally {
    await backend.close();
  }
});

test("each generation keeps the cache layers of its own config: a reload that changes a cache binds the new layer to the new generation only", async () => {
  const metrics = new ProxyMetrics();
  const logger = silentLogger();
  const fleets = new FleetRegistry(metrics, logger);
  const pools = new UpstreamPools(() => fleets.liveBackendIds());
  const layers = new CacheLayers(metrics.registry, logger);
  const cache = { name: "edge", memory: { maxBytes: 1 << 20, maxObjectBytes: 1 << 18 }, heuristicFreshness: false, defaultStaleIfErrorMs: 0 };
  const changed = { ...cache, memory: { maxBytes: 1 << 20, maxObjectBytes: 1 << 17 } };
  const cfg = config([cluster("f", [{ port: 1 }])], [route("r", "f", { cache: { cache: "edge", keyQuery: "keep", cacheSetCookie: false } })], { caches: [cache] });
  try {
    await layers.apply(cfg.caches);
    const old = new RuntimeState(cfg, fleets, { pools, metrics });
    old.bindCaches((name) => layers.get(name));
    const oldLayer = old.cacheLayer("edge");
    assert.ok(oldLayer !== undefined);
    old.enter(); // a request of the old generation is in flight
    let oldDrained: () => void = () => {};
    await layers.apply([changed], new Promise<void>((r) => (oldDrained = r)));
    const next = new RuntimeState({ ...cfg, caches: [changed] }, fleets, { pools, metrics });
    next.bindCaches((name) => layers.get(name));
    assert.equal(old.cacheLayer("edge"), oldLayer, "the in-flight request's generation still has the cache it started with");
    assert.notEqual(next.cacheLayer("edge"), oldLayer, "the new generation has the changed config's cache");
    old.leave();
    await old.retire();
    oldDrained();
    await next.retire();
  } finally {
    await layers.close();
    await pools.destroy();
    fleets.stopAll();
  }
});
