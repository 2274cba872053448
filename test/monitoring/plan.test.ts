/** planMonitoring: what it generates for each provider, from the spec's settings. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { parse } from "yaml";
import { planDeployment } from "../../src/plan/plan.js";
import { validateTopology } from "../../src/spec/validate.js";
import type { Topology } from "../../src/spec/types.js";

const base = `
version: 1
name: shop
fleets: { web: { image: nginx:1.27, port: 80, replicas: 2 } }
edge:
  replicas: 3
  listeners: [{ name: web, protocol: http, port: 8080 }]
  routes: [{ match: { pathPrefix: / }, fleet: web, cache: c }]
  admin: { port: 9901 }
caches: { c: { redis: { maxMemory: 64MiB } } }
targets:
  local: { provider: docker }
  aws: { provider: aws, region: eu-west-1 }
`;

function spec(monitoring: string): Topology {
  const r = validateTopology(`${base}${monitoring}`);
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join("; "));
  return r.topology;
}

interface Prom {
  global: { scrape_interval: string };
  scrape_configs: Array<{ static_configs?: Array<{ targets: string[] }>; dns_sd_configs?: Array<{ names: string[]; port: number }> }>;
}
interface Rules {
  groups: Array<{ name: string; rules: Array<{ alert: string; expr: string; for: string }> }>;
}

const withMonitoring = spec(`
monitoring:
  prometheus: { scrapeInterval: 10s, retention: 2d }
  grafana: { adminPassword: { secret: gp } }
  alerts: { edge5xxRatio: 0.02, backendDownFor: 45s, p99LatencyAbove: 750ms, cacheErrorsPerSecond: 3 }
`);

test("docker: Prometheus scrapes each edge container by name", () => {
  const plan = planDeployment(withMonitoring, "local");
  const p = plan.monitoring.prometheus!;
  assert.deepEqual(p.scrapeTargets, ["shop-edge-0:9901", "shop-edge-1:9901", "shop-edge-2:9901"]);
  const prom = parse(p.configYaml) as Prom;
  assert.deepEqual(prom.scrape_configs[0]!.static_configs![0]!.targets, p.scrapeTargets);
  assert.equal(prom.global.scrape_interval, "10s");
  assert.equal(p.retentionMs, 2 * 86_400_000);
  assert.match(plan.monitoring.grafana!.datasourceYaml, /url: http:\/\/shop-prometheus:9090/);
});

test("aws: Prometheus resolves the edge's Cloud Map name (every task)", () => {
  const p = planDeployment(withMonitoring, "aws").monitoring.prometheus!;
  const prom = parse(p.configYaml) as Prom;
  assert.deepEqual(prom.scrape_configs[0]!.dns_sd_configs![0]!.names, ["edgeform-edge.shop-aws.local"]);
  assert.equal(prom.scrape_configs[0]!.dns_sd_configs![0]!.port, 9901);
});

test("dev: Prometheus scrapes the local proxy's admin port on loopback", () => {
  const plan = planDeployment(withMonitoring, "dev", { dev: { adminPort: 41234, prometheusPort: 41235 } });
  assert.deepEqual(plan.monitoring.prometheus!.scrapeTargets, ["127.0.0.1:41234"]);
  assert.equal(plan.monitoring.prometheus!.port, 41235);
  assert.match(plan.monitoring.grafana!.datasourceYaml, /url: http:\/\/127\.0\.0\.1:41235/);
});

test("alert rules follow monitoring.alerts", () => {
  const rules = parse(planDeployment(withMonitoring, "local").monitoring.prometheus!.rulesYaml) as Rules;
  const byName = Object.fromEntries(rules.groups.flatMap((g) => g.rules).map((r) => [r.alert, r]));
  assert.match(byName["EdgeformEdge5xxRatioHigh"]!.expr, /status_class="5xx".* > 0\.02$/);
  assert.equal(byName["EdgeformBackendDown"]!.for, "45s");
  assert.equal(byName["EdgeformFleetDown"]!.for, "45s");
  assert.match(byName["EdgeformHighP99Latency"]!.expr, /histogram_quantile\(0\.99, .*\) > 0\.75$/);
  assert.match(byName["EdgeformCacheRedisErrors"]!.expr, / > 3$/);
  // 4 × the scrape interval, at least a minute.
  assert.match(byName["EdgeformEdge5xxRatioHigh"]!.expr, /\[1m\]/);
});

test("defaults when the spec gives no alert thresholds; no cache rules without a Redis tier", () => {
  const r = validateTopology(base.replace(", cache: c", "").replace("caches: { c: { redis: { maxMemory: 64MiB } } }\n", "") + "monitoring: { prometheus: {} }\n");
  assert.ok(r.ok, JSON.stringify(r.diagnostics));
  const rules = parse(planDeployment(r.topology, "local").monitoring.prometheus!.rulesYaml) as Rules;
  const all = rules.groups.flatMap((g) => g.rules);
  assert.equal(all.find((x) => x.alert === "EdgeformBackendDown")!.for, "1m");
  assert.match(all.find((x) => x.alert === "EdgeformEdge5xxRatioHigh")!.expr, / > 0\.05$/);
  assert.ok(!all.some((x) => x.alert.startsWith("EdgeformCache")));
});

test("no monitoring section: nothing to run; Grafana only when configured", () => {
  assert.deepEqual(planDeployment(spec(""), "local").monitoring, {});
  const promOnly = planDeployment(spec("monitoring: { prometheus: { scrapeInterval: 5s } }\n"), "local").monitoring;
  assert.ok(promOnly.prometheus);
  assert.equal(promOnly.grafana, undefined);
  assert.deepEqual(planDeployment(spec("monitoring: { prometheus: { enabled: false } }\n"), "local").monitoring, {});
});

test("the dashboard covers request rate, errors, latency, cache hit ratio and backend health", () => {
  const dash = JSON.parse(planDeployment(withMonitoring, "local").monitoring.grafana!.dashboardJson) as { panels: Array<{ title: string; targets: unknown[]; gridPos: unknown }> };
  const titles = dash.panels.map((p) => p.title);
  for (const want of ["Request rate by route", "5xx error ratio", "Latency percentiles", "Cache hit ratio", "Healthy backends by fleet"]) assert.ok(titles.includes(want), want);
  assert.ok(dash.panels.every((p) => p.targets.length > 0 && p.gridPos));
});

test("edge.admin.metricsToken: every target's Prometheus scrapes with the token from a secret file, and validate no longer warns", () => {
  const r = validateTopology(`${base.replace("admin: { port: 9901 }", "admin: { port: 9901, metricsToken: { secret: metricsScrape } }")}
monitoring:
  prometheus: { scrapeInterval: 10s }
`);
  assert.ok(r.ok, JSON.stringify(r.ok ? [] : r.diagnostics));
  const job = (target: string) => {
    const prom = planDeployment(r.topology, target).monitoring.prometheus!;
    const config = parse(prom.configYaml) as { scrape_configs: Array<{ authorization?: unknown }> };
    return { authorization: config.scrape_configs[0]!.authorization, secretFiles: prom.secretFiles };
  };
  assert.deepEqual(job("local"), {
    authorization: { type: "Bearer", credentials_file: "/etc/prometheus/secrets/metricsScrape" },
    secretFiles: [{ secret: "metricsScrape", path: "/etc/prometheus/secrets/metricsScrape" }],
  });
  assert.deepEqual(job("dev"), {
    authorization: { type: "Bearer", credentials_file: "secrets/metricsScrape" },
    secretFiles: [{ secret: "metricsScrape", path: "secrets/metricsScrape" }],
  });
  assert.deepEqual(job("aws"), job("local"), "AWS tasks read it from the same path, written by an init container");
  assert.deepEqual(r.diagnostics.filter((d) => d.severity === "warning" && d.path.startsWith("/edge/admin")), []);
});
