/**
 * `promtool test rules` on the generated SLO rules: synthetic series in
 * which a route starts failing (or slowing down) and recovers, and the times
 * at which each burn-rate alert must fire and resolve. The rules under test
 * are the plan's own, not a copy.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { parse, stringify } from "yaml";
import { planDeployment } from "../../src/plan/plan.js";
import { loadSpec } from "../../src/spec/load-spec.js";
import { root } from "./support/specs.js";

const work = mkdtempSync(join(tmpdir(), "edgeform-slo-"));
after(() => rmSync(work, { recursive: true, force: true }));

let rulesFile: string;
before(() => {
  const plan = planDeployment(loadSpec(join(root, "test/monitoring/fixtures/slo.yaml")), "dev");
  rulesFile = join(work, "rules.yml");
  // promtool compares annotations too, and they quote the alert's value; the plan tests check them, here only timing and labels.
  const rules = parse(plan.monitoring.prometheus!.rulesYaml) as { groups: Array<{ rules: Array<{ annotations?: unknown }> }> };
  for (const group of rules.groups) for (const rule of group.rules) delete rule.annotations;
  writeFileSync(rulesFile, stringify(rules));
});

interface Expectation {
  at: string;
  alert: string;
  firing: Array<Record<string, string>>;
}

/** Run one promtool unit test; returns promtool's output, asserting it passed. */
function promtoolTest(series: Array<{ series: string; values: string }>, expectations: Expectation[], name: string): string {
  const doc = {
    rule_files: [rulesFile],
    evaluation_interval: "1m",
    tests: [{
      name,
      interval: "1m",
      input_series: series,
      alert_rule_test: expectations.map((e) => ({ eval_time: e.at, alertname: e.alert, exp_alerts: e.firing.map((labels) => ({ exp_labels: labels })) })),
    }],
  };
  const file = join(work, `${name}.test.yml`);
  writeFileSync(file, stringify(doc));
  const r = spawnSync("promtool", ["test", "rules", file], { encoding: "utf8", timeout: 120_000 });
  if (r.error) throw new Error(`promtool could not run (${r.error.message}): install Debian's prometheus package`);
  const output = `${r.stdout}${r.stderr}`;
  assert.equal(r.status, 0, output);
  return output;
}

const page = { alertname: "EdgeformSloAvailabilityBurn", route: "api", severity: "page", slo: "availability", topology: "slo" };
const ticket = { ...page, severity: "ticket" };

test("the generated SLO rules hold the recording rules and both severities for each objective", () => {
  const groups = (parse(planDeployment(loadSpec(join(root, "test/monitoring/fixtures/slo.yaml")), "dev").monitoring.prometheus!.rulesYaml) as { groups: Array<{ name: string; rules: Array<{ alert?: string; record?: string; labels?: Record<string, string> }> }> }).groups;
  const slo = groups.find((g) => g.name === "slo-slo")!.rules;
  const keys = slo.map((r) => `${r.alert} ${r.labels!["route"]} ${r.labels!["severity"]}`).sort();
  assert.deepEqual(keys, [
    "EdgeformSloAvailabilityBurn api page", "EdgeformSloAvailabilityBurn api ticket",
    "EdgeformSloAvailabilityBurn site page", "EdgeformSloAvailabilityBurn site ticket",
    "EdgeformSloLatencyBurn api page", "EdgeformSloLatencyBurn api ticket",
  ]);
  assert.ok(groups.find((g) => g.name === "slo-slo-recording")!.rules.every((r) => r.record?.startsWith("edgeform_route:slo_")));
});

test("a fast burn by the edge pages within ~10 minutes and resolves once the short windows clear", () => {
  // 100 requests a minute on route api for 14h; from minute 400 to 430, 10 of them are 502s the edge answered itself.
  const ok = "0+100x400 40000+90x30 42700+100x400";
  const failed = "0+0x400 0+10x30 300+0x400";
  const edge = { source: "edge" };
  promtoolTest(
    [
      { series: 'edgeform_http_requests_total{route="api",fleet="api",status_class="2xx"}', values: ok },
      { series: 'edgeform_http_requests_total{route="api",fleet="api",status_class="5xx"}', values: failed },
      { series: 'edgeform_upstream_errors_total{route="api",fleet="api",reason="connect"}', values: failed },
    ],
    [
      { at: "399m", alert: "EdgeformSloAvailabilityBurn", firing: [] },
      // 1h window: 10% errors for t minutes are t/600 of the hour's requests, above 14.4 × 0.1% after ~9 minutes.
      { at: "405m", alert: "EdgeformSloAvailabilityBurn", firing: [] },
      { at: "415m", alert: "EdgeformSloAvailabilityBurn", firing: [{ ...page, ...edge }, { ...ticket, ...edge }] },
      // Errors stopped at 430m: the 5m window clears the first page row at once, the 30m window the second later.
      { at: "440m", alert: "EdgeformSloAvailabilityBurn", firing: [{ ...page, ...edge }, { ...ticket, ...edge }] },
      { at: "465m", alert: "EdgeformSloAvailabilityBurn", firing: [{ ...ticket, ...edge }] },
      // The ticket's 6h short window holds the burst until ~790m.
      { at: "780m", alert: "EdgeformSloAvailabilityBurn", firing: [{ ...ticket, ...edge }] },
      { at: "800m", alert: "EdgeformSloAvailabilityBurn", firing: [] },
    ],
    "fast-burn-edge",
  );
});

test("errors a fleet returns itself carry source=fleet", () => {
  const ok = "0+100x400 40000+90x30";
  const failed = "0+0x400 0+10x30";
  promtoolTest(
    [
      { series: 'edgeform_http_requests_total{route="api",fleet="api",status_class="2xx"}', values: ok },
      { series: 'edgeform_http_requests_total{route="api",fleet="api",status_class="5xx"}', values: failed },
    ],
    [{ at: "415m", alert: "EdgeformSloAvailabilityBurn", firing: [{ ...page, source: "fleet" }, { ...ticket, source: "fleet" }] }],
    "fast-burn-fleet",
  );
});

test("a slow burn opens a ticket without paging", () => {
  // 0.4% errors: 4× the budget rate of route api, below the 6× and 14.4× page rates, above the 3× ticket rate.
  const ok = "0+996x1500";
  const failed = "0+4x1500";
  promtoolTest(
    [
      { series: 'edgeform_http_requests_total{route="api",fleet="api",status_class="2xx"}', values: ok },
      { series: 'edgeform_http_requests_total{route="api",fleet="api",status_class="5xx"}', values: failed },
      { series: 'edgeform_upstream_errors_total{route="api",fleet="api",reason="timeout"}', values: failed },
    ],
    [
      { at: "3h", alert: "EdgeformSloAvailabilityBurn", firing: [{ ...ticket, source: "edge" }] },
      { at: "24h", alert: "EdgeformSloAvailabilityBurn", firing: [{ ...ticket, source: "edge" }] },
    ],
    "slow-burn",
  );
});

test("requests slower than the latency objective page, and the alert resolves when they stop", () => {
  // Route api's objective: 99% under 300ms (between the 250ms and 500ms buckets). From minute 400 to 460, half take 0.5-1s.
  const total = "0+100x700";
  const under250 = "0+100x400 40000+50x60 43000+100x240";
  const latency = { alertname: "EdgeformSloLatencyBurn", route: "api", slo: "latency", topology: "slo" };
  promtoolTest(
    [
      { series: 'edgeform_http_requests_total{route="api",fleet="api",status_class="2xx"}', values: total },
      { series: 'edgeform_http_request_duration_seconds_bucket{route="api",fleet="api",status_class="2xx",le="0.25"}', values: under250 },
      { series: 'edgeform_http_request_duration_seconds_bucket{route="api",fleet="api",status_class="2xx",le="0.5"}', values: under250 },
      { series: 'edgeform_http_request_duration_seconds_bucket{route="api",fleet="api",status_class="2xx",le="+Inf"}', values: total },
    ],
    [
      { at: "399m", alert: "EdgeformSloLatencyBurn", firing: [] },
      // The latency budget is 1%: paging needs 14.4% slow over the hour, reached after ~17 minutes at 50%; the 3d/6h ticket comes first.
      { at: "410m", alert: "EdgeformSloLatencyBurn", firing: [{ ...latency, severity: "ticket" }] },
      { at: "425m", alert: "EdgeformSloLatencyBurn", firing: [{ ...latency, severity: "page" }, { ...latency, severity: "ticket" }] },
      // Slow requests stopped at 460m; the 30m window of the second page row clears after 490m, the ticket's windows later.
      { at: "470m", alert: "EdgeformSloLatencyBurn", firing: [{ ...latency, severity: "page" }, { ...latency, severity: "ticket" }] },
      { at: "495m", alert: "EdgeformSloLatencyBurn", firing: [{ ...latency, severity: "ticket" }] },
    ],
    "latency-burn",
  );
});
