/**
 * Every metric name in the generated alert rules and dashboards is one the
 * proxy exports (src/plan/metric-names.ts), for every example and target, so
 * a renamed metric cannot silently blank a panel or mute an alert.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parse } from "yaml";
import { dashboardExpressions } from "../../src/plan/monitoring/index.js";
import { Metrics } from "../../src/plan/metric-names.js";
import { planDeployment } from "../../src/plan/plan.js";
import { loadSpec } from "../../src/spec/load-spec.js";
import { metricNames, scrapedNames, type RuleFile } from "./support/promql.js";
import { specsWithTargets } from "./support/specs.js";

const root = new URL("../../../", import.meta.url).pathname;
const HISTOGRAMS = new Set<string>([Metrics.httpRequestDuration]);
const known = new Set<string>(Object.values(Metrics));

/** A name the proxy exports: a metric itself, or a histogram's _bucket/_sum/_count series. */
function exported(name: string): boolean {
  if (known.has(name)) return true;
  const base = name.replace(/_(bucket|sum|count)$/, "");
  return base !== name && HISTOGRAMS.has(base);
}

test("the extractor finds metric names and skips functions, labels, ranges and grouping", () => {
  assert.deepEqual(metricNames('sum by (le, route) (rate(foo_bucket{status_class="5xx",x=~"a|b"}[5m])) / ignoring(x) bar_total > 0.5'), ["bar_total", "foo_bucket"]);
  assert.deepEqual(metricNames("histogram_quantile(0.99, sum by (le) (rate(x_seconds_bucket[$__rate_interval])))"), ["x_seconds_bucket"]);
  assert.deepEqual(metricNames("max by (fleet) (edgeform_backend_healthy) == 0"), ["edgeform_backend_healthy"]);
  assert.ok(!exported("edgeform_nonexistent_total"));
  assert.ok(!exported("edgeform_backend_healthy_bucket"), "only histograms have _bucket series");
  assert.ok(exported("edgeform_http_request_duration_seconds_bucket"));
});

describe("generated PromQL uses only metrics the proxy exports", () => {
  let withMonitoring = 0;
  for (const { file, target } of specsWithTargets()) {
    test(`${file.slice(root.length)} → ${target}`, () => {
      const plan = planDeployment(loadSpec(file), target);
      const prometheus = plan.monitoring.prometheus;
      if (!prometheus) {
        assert.equal(loadSpec(file).monitoring, undefined, "no Prometheus only when the spec has no monitoring");
        return;
      }
      withMonitoring++;
      const ruleFile = parse(prometheus.rulesYaml) as RuleFile;
      const rules = ruleFile.groups.flatMap((g) => g.rules.map((r) => r.expr));
      const dashboard = plan.monitoring.grafana ? dashboardExpressions(plan.monitoring.grafana.dashboardJson) : [];
      const exprs = [...rules, ...dashboard];
      assert.ok(rules.length >= 5, "edge, backend and latency rules at least");
      const names = new Set(scrapedNames(ruleFile, exprs));
      assert.ok(names.size >= 3);
      assert.deepEqual([...names].filter((n) => !exported(n)), [], `unknown metric names in ${exprs.join("\n")}`);
    });
  }
  test("some specs have monitoring (so the loop above checked something)", () => {
    assert.ok(withMonitoring >= 3);
  });
});
