/** Cache metrics: only names from plan/metric-names.ts, and layers sharing one registry. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Registry } from "prom-client";
import { Metrics } from "../../src/plan/metric-names.js";
import { createCacheLayer } from "../../src/proxy/cache/index.js";
import { createCacheMetrics } from "../../src/proxy/cache/metrics.js";
import { silentLogger } from "./helpers.js";
import { cacheConfig, LayerHarness } from "./layer-harness.js";

test("several cache layers can share one registry; the cache label tells them apart", async () => {
  const registry = new Registry();
  const a = await LayerHarness.start({ registry, config: { name: "alpha" } });
  const b = await LayerHarness.start({ registry, config: { name: "beta" } });
  const again = createCacheLayer(cacheConfig({ name: "alpha" }), { registry, logger: silentLogger });
  try {
    a.origin.script("/x", { headers: { "cache-control": "max-age=60" }, body: "x" });
    b.origin.script("/x", { headers: { "cache-control": "max-age=60" }, body: "x" });
    await a.send("/x");
    await a.send("/x");
    await b.send("/x");
    assert.equal(await a.metric(Metrics.cacheRequests, { cache: "alpha", status: "hit" }), 1);
    assert.equal(await a.metric(Metrics.cacheRequests, { cache: "beta", status: "miss" }), 1);
    assert.equal(await a.metric(Metrics.cacheEntries, { cache: "alpha", tier: "memory" }), 1);
    assert.equal(await a.metric(Metrics.cacheEntries, { cache: "beta", tier: "memory" }), 1);
  } finally {
    await again.close();
    await a.close();
    await b.close();
  }
  const after = await registry.getSingleMetric(Metrics.cacheEntries)!.get();
  assert.deepEqual(after.values, [], "closed layers stop reporting");
});

test("every metric the cache registers is named in plan/metric-names.ts", async () => {
  const registry = new Registry();
  const layer = createCacheLayer(cacheConfig(), { registry, logger: silentLogger });
  try {
    const known = new Set<string>(Object.values(Metrics));
    const names = (await registry.getMetricsAsJSON()).map((m) => m.name);
    assert.ok(names.length >= 9);
    for (const name of names) assert.ok(known.has(name), `${name} is not in Metrics`);
  } finally {
    await layer.close();
  }
});

test("per-request cache counters count between scrapes and add up at each read, across layers and rebuilt layers", async () => {
  const registry = new Registry();
  const first = createCacheMetrics(registry, "edge");
  const other = createCacheMetrics(registry, "other");
  first.lookup("memory", "hit");
  first.lookup("redis", "expired");
  first.request("hit");
  other.request("uncacheable");
  const value = async (name: string, labels: Record<string, string>) =>
    (await registry.getSingleMetric(name)!.get()).values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value;
  assert.equal(await value(Metrics.cacheLookups, { cache: "edge", tier: "memory", result: "hit" }), 1);
  assert.equal(await value(Metrics.cacheLookups, { cache: "edge", tier: "redis", result: "expired" }), 1);
  assert.equal(await value(Metrics.cacheRequests, { cache: "edge", status: "hit" }), 1);
  assert.equal(await value(Metrics.cacheRequests, { cache: "other", status: "uncacheable" }), 1);
  // A layer rebuilt by a reload counts on into the same series; a read never counts twice.
  const rebuilt = createCacheMetrics(registry, "edge");
  rebuilt.request("hit");
  first.request("hit");
  assert.equal(await value(Metrics.cacheRequests, { cache: "edge", status: "hit" }), 3);
  assert.equal(await value(Metrics.cacheRequests, { cache: "edge", status: "hit" }), 3);
  const text = await registry.metrics();
  assert.match(text, new RegExp(`${Metrics.cacheLookups}\\{cache="edge",tier="memory",result="hit"\\} 1`));
});
