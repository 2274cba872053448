/**
 * The generated prometheus.yml and alert rules pass Prometheus's own checker
 * (`promtool check config` / `check rules`, Debian's prometheus package), and
 * every dashboard query parses as PromQL (checked as recording rules).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { stringify } from "yaml";
import { dashboardExpressions, PrometheusFiles } from "../../src/plan/monitoring/index.js";
import { planDeployment } from "../../src/plan/plan.js";
import { loadSpec } from "../../src/spec/load-spec.js";
import { specsWithTargets } from "./support/specs.js";

const root = new URL("../../../", import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), "edgeform-promtool-"));
after(() => rmSync(work, { recursive: true, force: true }));

function promtool(args: string[]): { status: number | null; output: string } {
  const r = spawnSync("promtool", args, { encoding: "utf8", timeout: 60_000 });
  if (r.error) throw new Error(`promtool could not run (${r.error.message}): install Debian's prometheus package (apt-get install prometheus)`);
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

test("promtool is installed", () => {
  assert.equal(promtool(["--version"]).status, 0);
});

describe("promtool accepts the generated monitoring files", () => {
  specsWithTargets().forEach(({ file, target }, i) => {
    const plan = planDeployment(loadSpec(file), target);
    const prometheus = plan.monitoring.prometheus;
    if (!prometheus) return;
    test(`${file.slice(root.length)} → ${target}`, () => {
      const dir = join(work, String(i));
      spawnSync("mkdir", ["-p", dir]);
      const config = join(dir, "prometheus.yml");
      writeFileSync(config, prometheus.configYaml);
      // rule_files is relative to the config, as inside the container.
      writeFileSync(join(dir, PrometheusFiles.rulesName), prometheus.rulesYaml);
      const checkConfig = promtool(["check", "config", config]);
      assert.equal(checkConfig.status, 0, checkConfig.output);
      assert.match(checkConfig.output, /SUCCESS: 1 rule files found/);
      const checkRules = promtool(["check", "rules", join(dir, PrometheusFiles.rulesName)]);
      assert.equal(checkRules.status, 0, checkRules.output);
      if (plan.monitoring.grafana) {
        // Grafana's $__rate_interval is not PromQL; any range stands in for it.
        const exprs = dashboardExpressions(plan.monitoring.grafana.dashboardJson).map((e) => e.replaceAll("$__rate_interval", "5m"));
        const asRules = { groups: [{ name: "dashboard", rules: exprs.map((expr, n) => ({ record: `edgeform:dashboard:${n}`, expr })) }] };
        const dashboardFile = join(dir, "dashboard.rules.yml");
        writeFileSync(dashboardFile, stringify(asRules));
        const checkDashboard = promtool(["check", "rules", dashboardFile]);
        assert.equal(checkDashboard.status, 0, checkDashboard.output);
        assert.match(checkDashboard.output, new RegExp(`SUCCESS: ${exprs.length} rules found`));
      }
    });
  });

  test("promtool would catch a broken rule (the check is not a no-op)", () => {
    const bad = join(work, "bad.rules.yml");
    writeFileSync(bad, stringify({ groups: [{ name: "x", rules: [{ alert: "Broken", expr: "sum(rate(edgeform_http_requests_total[5m]" }] }] }));
    assert.notEqual(promtool(["check", "rules", bad]).status, 0);
  });
});
