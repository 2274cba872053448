import assert from "node:assert/strict";
import { test } from "node:test";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { histogramQuantile, parsePrometheusText, sumBy } from "../../src/dev/metrics-scrape.js";

test("parses names, labels with escapes, special values and timestamps; skips comments and junk", () => {
  const text = [
    "# HELP edgeform_http_requests_total Requests.",
    "# TYPE edgeform_http_requests_total counter",
    'edgeform_http_requests_total{route="default",backend="127.0.0.1:8081",status_class="2xx"} 42',
    'edgeform_http_requests_total{route="we\\"ird\\\\path\\n",backend="b",} 3 1700000000000',
    "edgeform_up 1",
    "  ",
    'bucket{le="+Inf"} +Inf',
    "nan_metric NaN",
    "neg -1.5e3",
    "this is not a sample",
    'broken{label="unterminated} 1',
    "novalue{}",
  ].join("\n");
  const samples = parsePrometheusText(text);
  assert.deepEqual(samples.slice(0, 3), [
    { name: "edgeform_http_requests_total", labels: { route: "default", backend: "127.0.0.1:8081", status_class: "2xx" }, value: 42 },
    { name: "edgeform_http_requests_total", labels: { route: 'we"ird\\path\n', backend: "b" }, value: 3 },
    { name: "edgeform_up", labels: {}, value: 1 },
  ]);
  assert.equal(samples[3]!.value, Infinity);
  assert.ok(Number.isNaN(samples[4]!.value));
  assert.equal(samples[5]!.value, -1500);
  assert.equal(samples.length, 6, "malformed lines are skipped");
  assert.equal(sumBy(samples, "edgeform_http_requests_total", () => "all").get("all"), 45);
});

test("reads what prom-client writes (the proxy's metrics library)", async () => {
  const registry = new Registry();
  const requests = new Counter({ name: "t_requests_total", help: "h", labelNames: ["route", "status_class"], registers: [registry] });
  const healthy = new Gauge({ name: "t_healthy", help: "h", labelNames: ["backend"], registers: [registry] });
  const duration = new Histogram({ name: "t_duration_seconds", help: "h", labelNames: ["route"], buckets: [0.01, 0.1, 1], registers: [registry] });
  requests.inc({ route: "a", status_class: "2xx" }, 7);
  requests.inc({ route: "a", status_class: "5xx" }, 3);
  healthy.set({ backend: 'x"y' }, 1);
  for (const v of [0.005, 0.005, 0.05, 0.05, 0.05, 0.5, 2]) duration.observe({ route: "a" }, v);

  const samples = parsePrometheusText(await registry.metrics());
  const byClass = sumBy(samples, "t_requests_total", (l) => l["status_class"]!);
  assert.equal(byClass.get("2xx"), 7);
  assert.equal(byClass.get("5xx"), 3);
  assert.deepEqual(samples.find((s) => s.name === "t_healthy")?.labels, { backend: 'x"y' });
  const buckets = samples
    .filter((s) => s.name === "t_duration_seconds_bucket")
    .map((s) => ({ le: s.labels["le"] === "+Inf" ? Infinity : Number(s.labels["le"]), count: s.value }));
  assert.deepEqual(buckets.map((b) => b.count), [2, 5, 6, 7]);
  // rank 3.5 of 7 falls in (0.01, 0.1], 1.5 of its 3 observations in: 0.01 + 0.09 * 0.5
  assert.ok(Math.abs(histogramQuantile(0.5, buckets)! - 0.055) < 1e-9);
  assert.equal(samples.find((s) => s.name === "t_duration_seconds_count")?.value, 7);
});

test("histogramQuantile interpolates like PromQL's histogram_quantile", () => {
  const buckets = [
    { le: 0.1, count: 50 },
    { le: 0.5, count: 90 },
    { le: 1, count: 100 },
    { le: Infinity, count: 100 },
  ];
  assert.equal(histogramQuantile(0.5, buckets), 0.1);
  assert.ok(Math.abs(histogramQuantile(0.9, buckets)! - 0.5) < 1e-12);
  assert.ok(Math.abs(histogramQuantile(0.95, buckets)! - 0.75) < 1e-12);
  assert.ok(Math.abs(histogramQuantile(0.25, buckets)! - 0.05) < 1e-12, "first bucket interpolates from 0");
  assert.equal(histogramQuantile(0.5, [...buckets].reverse()), 0.1, "order of buckets does not matter");
});

test("histogramQuantile: no observations → undefined; beyond the last bound → that bound", () => {
  assert.equal(histogramQuantile(0.5, []), undefined);
  assert.equal(histogramQuantile(0.5, [{ le: 1, count: 0 }, { le: Infinity, count: 0 }]), undefined);
  assert.equal(histogramQuantile(0.99, [{ le: 1, count: 1 }, { le: Infinity, count: 10 }]), 1);
  assert.equal(histogramQuantile(0.5, [{ le: 1, count: 3 }]), undefined, "a histogram needs its +Inf bucket");
});
