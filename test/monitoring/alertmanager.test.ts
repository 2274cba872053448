/**
 * The generated alertmanager.yml and its wiring: receivers with credentials
 * only as file paths, the routing tree and inhibit rules as the spec says,
 * Prometheus's `alerting:` section on every target, and `amtool
 * check-config` (Debian's prometheus-alertmanager) accepting every file.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { parse } from "yaml";
import { dashboardTitle, PanelTitles } from "../../src/plan/monitoring/panels.js";
import { planDeployment } from "../../src/plan/plan.js";
import { loadSpec } from "../../src/spec/load-spec.js";
import { validateTopology } from "../../src/spec/validate.js";
import type { RuleFile } from "./support/promql.js";
import { root, specsWithTargets } from "./support/specs.js";

const work = mkdtempSync(join(tmpdir(), "edgeform-amtool-"));
after(() => rmSync(work, { recursive: true, force: true }));
const example = loadSpec(join(root, "examples/alerting.yaml"));

function amtool(args: string[]): { status: number | null; output: string } {
  const r = spawnSync("amtool", args, { encoding: "utf8", timeout: 60_000 });
  if (r.error) throw new Error(`amtool could not run (${r.error.message}): install Debian's prometheus-alertmanager package`);
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

interface AmConfig {
  route: { receiver: string; group_by: string[]; routes: Array<{ receiver?: string; matchers: string[]; continue?: boolean }> };
  receivers: Array<Record<string, Array<Record<string, unknown>>> & { name: string }>;
  inhibit_rules: Array<{ source_matchers: string[]; target_matchers: string[]; equal: string[] }>;
}

test("receivers read every credential from a file of its own; the config holds no secret", () => {
  const am = planDeployment(example, "local").monitoring.alertmanager!;
  const config = parse(am.configYaml) as AmConfig;
  const byName = Object.fromEntries(config.receivers.map((r) => [r.name, r]));
  assert.equal(byName["oncall"]!["pagerduty_configs"]![0]!["routing_key_file"], "/etc/alertmanager/secrets/pdKey");
  assert.equal(byName["chat"]!["slack_configs"]![0]!["api_url_file"], "/etc/alertmanager/secrets/slackHook");
  assert.equal(byName["chat"]!["slack_configs"]![0]!["channel"], "#cdn");
  assert.equal(byName["ops"]!["email_configs"]![0]!["auth_password_file"], "/etc/alertmanager/secrets/smtpPassword");
  assert.equal(byName["ops"]!["email_configs"]![0]!["smarthost"], "smtp.example.com:587");
  assert.equal(byName["hooks"]!["webhook_configs"]![0]!["url"], "https://hooks.example.com/alerts");
  assert.ok(config.receivers.every((r) => Object.entries(r).every(([k, v]) => k === "name" || (v as Array<Record<string, unknown>>).every((c) => c["send_resolved"] === true))), "resolved notifications are sent too");
  assert.deepEqual(am.secretFiles, [
    { secret: "pdKey", path: "/etc/alertmanager/secrets/pdKey" },
    { secret: "slackHook", path: "/etc/alertmanager/secrets/slackHook" },
    { secret: "smtpPassword", path: "/etc/alertmanager/secrets/smtpPassword" },
  ]);
  // dev runs Alertmanager in its own directory, which holds the secret files.
  assert.deepEqual(planDeployment(example, "dev").monitoring.alertmanager!.secretFiles.map((f) => f.path), ["secrets/pdKey", "secrets/slackHook", "secrets/smtpPassword"]);
});

test("the routing tree and inhibit rules follow the spec", () => {
  const config = parse(planDeployment(example, "local").monitoring.alertmanager!.configYaml) as AmConfig;
  assert.equal(config.route.receiver, "chat");
  assert.deepEqual(config.route.group_by, ["alertname", "route"]);
  assert.deepEqual(config.route.routes.map((r) => [r.matchers, r.receiver, r.continue ?? false]), [
    [['severity="page"'], "oncall", true],
    [['severity="ticket"'], "ops", false],
    [['alertname="EdgeformBackendDown"'], "hooks", false],
  ]);
  assert.deepEqual(config.inhibit_rules, [{ source_matchers: ['alertname="EdgeformEdgeDown"'], target_matchers: ['severity="warning"'], equal: ["topology"] }]);
});

test("Prometheus sends alerts to Alertmanager on every target", () => {
  const alerting = (target: string, dev = {}) => (parse(planDeployment(example, target, { dev }).monitoring.prometheus!.configYaml) as { alerting: { alertmanagers: unknown[] } }).alerting.alertmanagers;
  assert.deepEqual(alerting("local"), [{ static_configs: [{ targets: ["alerting-alertmanager:9093"] }] }]);
  assert.deepEqual(alerting("prod"), [{ dns_sd_configs: [{ names: ["edgeform-alertmanager.alerting-prod.local"], type: "A", port: 9093, refresh_interval: "10s" }] }]);
  assert.deepEqual(alerting("dev", { alertmanagerPort: 41999 }), [{ static_configs: [{ targets: ["127.0.0.1:41999"] }] }]);
  const without = planDeployment(loadSpec(join(root, "examples/quickstart.yaml")), "local").monitoring;
  assert.equal(without.alertmanager, undefined);
  assert.equal((parse(without.prometheus!.configYaml) as Record<string, unknown>)["alerting"], undefined, "no alerting section without alertmanager");
});

test("every alert has a summary, a description and a runbook hint naming a panel of the dashboard", () => {
  const rules = parse(planDeployment(example, "local").monitoring.prometheus!.rulesYaml) as RuleFile;
  const alerts = rules.groups.flatMap((g) => g.rules).filter((r) => r.alert);
  assert.ok(alerts.length >= 10);
  const panels = Object.values(PanelTitles) as string[];
  for (const a of alerts) {
    for (const key of ["summary", "description", "runbook"]) assert.ok(a.annotations?.[key], `${a.alert} has ${key}`);
    assert.ok(a.annotations!["runbook"]!.includes(`"${dashboardTitle("alerting")}"`), `${a.alert} names the dashboard`);
    const named = [...a.annotations!["runbook"]!.matchAll(/panels? "([^"]+)"(?: and "([^"]+)")?/g)].flatMap((m) => [m[1], m[2]]).filter((p): p is string => p !== undefined);
    assert.ok(named.length > 0 && named.every((p) => panels.includes(p)), `${a.alert} names panels that exist: ${named.join(", ")}`);
  }
  const burn = alerts.filter((a) => a.alert === "EdgeformSloAvailabilityBurn" && a.labels!["route"] === "api");
  assert.deepEqual(burn.map((a) => a.labels!["severity"]), ["page", "ticket"]);
  assert.match(burn[0]!.annotations!["description"]!, /objective is 99\.95% over 30d/, "route api overrides the topology's 99.9%");
  assert.match(burn[0]!.annotations!["runbook"]!, /fleet api/);
  assert.match(burn[0]!.expr, /> 0\.0072 /, "14.4 × the 0.05% budget");
  const site = alerts.find((a) => a.alert === "EdgeformSloAvailabilityBurn" && a.labels!["route"] === "site")!;
  assert.match(site.expr, /> 0\.0144 /, "14.4 × the topology's 0.1% budget");
  assert.equal(alerts.filter((a) => a.alert === "EdgeformSloLatencyBurn").length, 4, "latency objectives on both routes (300ms and 800ms)");
});

test("the Grafana dashboard shows each route's SLO and the error budget left", () => {
  const r = validateTopology(`
version: 1
name: shop
fleets: { web: { endpoints: ["10.0.0.1:80"] } }
edge:
  listeners: [{ name: web, protocol: http, port: 8080 }]
  routes: [{ name: site, match: { pathPrefix: / }, fleet: web }]
monitoring:
  grafana: { adminPassword: { secret: gp } }
  alerts: { slo: { availability: 99.5%, window: 28d } }
`);
  assert.ok(r.ok, JSON.stringify(r.diagnostics));
  const dash = JSON.parse(planDeployment(r.topology, "dev").monitoring.grafana!.dashboardJson) as { panels: Array<{ title: string; targets: Array<{ expr: string; legendFormat: string }> }> };
  const budget = dash.panels.find((p) => p.title === PanelTitles.errorBudget)!;
  assert.equal(budget.targets.length, 1);
  assert.match(budget.targets[0]!.expr, /route="site".*\[28d\].*\/ 0\.005$/);
  const slo = dash.panels.find((p) => p.title === PanelTitles.sloAvailability)!;
  assert.deepEqual(slo.targets.map((t) => t.legendFormat), ["site", "site objective"]);
  assert.equal(slo.targets[1]!.expr, "vector(0.995)");
});

describe("amtool accepts every generated alertmanager.yml", () => {
  let checked = 0;
  specsWithTargets().forEach(({ file, target }, i) => {
    const am = planDeployment(loadSpec(file), target).monitoring.alertmanager;
    if (!am) return;
    test(`${file.slice(root.length)} → ${target}`, () => {
      const config = join(work, `${i}.yml`);
      writeFileSync(config, am.configYaml);
      const r = amtool(["check-config", config]);
      assert.equal(r.status, 0, r.output);
      assert.match(r.output, /SUCCESS/);
      checked++;
    });
  });
  test("some specs have alertmanager (so the loop above checked something), and amtool catches a broken file", () => {
    assert.ok(checked >= 4, `checked ${checked}`);
    const bad = join(work, "bad.yml");
    writeFileSync(bad, "route: { receiver: nobody }\nreceivers: [{ name: chat }]\n");
    assert.notEqual(amtool(["check-config", bad]).status, 0);
  });
});
