import assert from "node:assert/strict";
import { test } from "node:test";
import { parsePrometheusText } from "../../src/dev/metrics-scrape.js";
import { computeStats } from "../../src/dev/stats.js";
import { Metrics } from "../../src/plan/metric-names.js";

const routes = [
  { name: "static", fleet: "web" },
  { name: "default", fleet: "web" },
];

function scrape(at: number, lines: string[]) {
  return { at, samples: parsePrometheusText(lines.join("\n")) };
}

const req = (route: string, backend: string, cls: string, n: number) =>
  `${Metrics.httpRequests}{listener="web",route="${route}",fleet="web",backend="${backend}",status_class="${cls}"} ${n}`;
const bucket = (route: string, backend: string, le: string, n: number, cls = "2xx") =>
  `${Metrics.httpRequestDuration}_bucket{route="${route}",fleet="web",backend="${backend}",status_class="${cls}",le="${le}"} ${n}`;
const health = (backend: string, v: number) => `${Metrics.backendHealthy}{fleet="web",backend="${backend}"} ${v}`;
const cache = (status: string, n: number) => `${Metrics.cacheRequests}{cache="edge",status="${status}"} ${n}`;

const A = "127.0.0.1:1001";
const B = "127.0.0.1:1002";

test("rate, error ratio and latency quantiles come from the window between two scrapes", () => {
  const first = scrape(10_000, [req("default", A, "2xx", 100), req("default", A, "5xx", 0), bucket("default", A, "0.01", 90), bucket("default", A, "0.1", 100), bucket("default", A, "+Inf", 100), health(A, 1)]);
  const second = scrape(12_000, [
    req("default", A, "2xx", 118),
    req("default", A, "5xx", 2),
    bucket("default", A, "0.01", 90),
    bucket("default", A, "0.1", 118),
    bucket("default", A, "+Inf", 118),
    bucket("default", A, "0.01", 0, "5xx"),
    bucket("default", A, "0.1", 2, "5xx"),
    bucket("default", A, "+Inf", 2, "5xx"),
    health(A, 1),
  ]);
  const stats = computeStats(routes, second, first);
  const row = stats.rows.find((r) => r.route === "default" && r.backend === A)!;
  assert.equal(row.rps, 10, "20 requests in 2 seconds");
  assert.equal(row.errorRatio, 0.1, "2 of 20 were 5xx");
  assert.equal(row.total, 120);
  // window: 0 in (0, 0.01], 20 in (0.01, 0.1] → p50 = 0.01 + 0.09 * 10/20 s
  assert.ok(Math.abs(row.p50Ms! - 55) < 1e-6);
  assert.ok(Math.abs(row.p99Ms! - (10 + 90 * 19.8 / 20)) < 1e-6);
  assert.equal(row.healthy, true);
});

test("first scrape: no rate yet; every backend of a route's fleet gets a row, down ones included", () => {
  const stats = computeStats(routes, scrape(0, [health(A, 1), health(B, 0), req("default", A, "2xx", 5)]));
  assert.deepEqual(
    stats.rows.map((r) => [r.route, r.backend, r.healthy, r.rps, r.total]),
    [
      ["static", A, true, undefined, 0],
      ["static", B, false, undefined, 0],
      ["default", A, true, undefined, 5],
      ["default", B, false, undefined, 0],
    ],
    "rows follow route order, then backend",
  );
  assert.equal(stats.rows.find((r) => r.route === "static")!.errorRatio, undefined, "no requests: no error ratio");
});

test("a proxy restart (counters going down) is not a negative rate", () => {
  const before = scrape(0, [req("default", A, "2xx", 1000)]);
  const after = scrape(1_000, [req("default", A, "2xx", 7)]);
  assert.equal(computeStats(routes, after, before).rows[0]!.rps, 7);
});

test("cache hit ratio counts hits, stale and revalidated responses as served from cache", () => {
  const stats = computeStats(routes, scrape(0, [cache("hit", 6), cache("stale", 1), cache("revalidated", 1), cache("miss", 2), cache("uncacheable", 0)]));
  assert.deepEqual(stats.caches, [{ cache: "edge", requests: 10, hits: 8, hitRatio: 0.8 }]);
  assert.equal(computeStats(routes, scrape(0, [cache("miss", 0)])).caches[0]!.hitRatio, undefined);
});
