/**
 * `edgeform alerts test`: every generated alert routed through the spec's
 * tree, each answer checked against Alertmanager's own `amtool config routes
 * test` on the generated alertmanager.yml; one label set with
 * --verify-receivers; usage errors.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { runCli } from "../../src/cli/main.js";
import { planDeployment } from "../../src/plan/plan.js";
import { loadSpec } from "../../src/spec/load-spec.js";
import { captureIo } from "./cli-io.js";

const root = new URL("../../../", import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), "edgeform-alerts-cli-"));
after(() => rmSync(work, { recursive: true, force: true }));

async function run(args: string[]) {
  const c = captureIo(root);
  const code = await runCli(args, c.io);
  return { code, stdout: c.stdout(), stderr: c.stderr() };
}

interface Routed {
  labels: Record<string, string>;
  receivers: string[];
}

test("every generated alert reaches the receivers amtool says it reaches", async () => {
  const r = await run(["alerts", "test", "examples/alerting.yaml", "--format", "json"]);
  assert.equal(r.code, 0, r.stderr);
  const { alerts } = JSON.parse(r.stdout) as { alerts: Routed[] };
  const names = new Set(alerts.map((a) => a.labels["alertname"]));
  for (const n of ["EdgeformEdgeDown", "EdgeformBackendDown", "EdgeformFleetDown", "EdgeformSloAvailabilityBurn", "EdgeformSloLatencyBurn"]) assert.ok(names.has(n), n);
  const config = join(work, "alertmanager.yml");
  writeFileSync(config, planDeployment(loadSpec(join(root, "examples/alerting.yaml")), "dev").monitoring.alertmanager!.configYaml);
  for (const a of alerts) {
    const args = Object.entries(a.labels).map(([k, v]) => `${k}=${v}`);
    const am = spawnSync("amtool", ["config", "routes", "test", `--config.file=${config}`, ...args], { encoding: "utf8", timeout: 30_000 });
    if (am.error) throw new Error(`amtool could not run (${am.error.message}): install Debian's prometheus-alertmanager package`);
    assert.equal(am.stdout.trim(), a.receivers.join(","), `${args.join(" ")}: amtool says ${am.stdout.trim()}`);
  }
  const byKey = (labels: Record<string, string>) => alerts.find((a) => Object.entries(labels).every(([k, v]) => a.labels[k] === v))!.receivers;
  assert.deepEqual(byKey({ alertname: "EdgeformSloAvailabilityBurn", severity: "page", source: "fleet" }), ["oncall"]);
  assert.deepEqual(byKey({ alertname: "EdgeformSloLatencyBurn", severity: "ticket" }), ["ops"]);
  assert.deepEqual(byKey({ alertname: "EdgeformBackendDown" }), ["hooks"]);
  assert.deepEqual(byKey({ alertname: "EdgeformFleetDown" }), ["chat"], "the root's receiver takes what no child route matches");
});

test("one label set, as text; --verify-receivers exits 1 on a mismatch", async () => {
  const ok = await run(["alerts", "test", "examples/alerting.yaml", "alertname=EdgeformFleetDown", "severity=critical", "--verify-receivers", "chat"]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /^EdgeformFleetDown\s+severity=critical\s+→ chat$/m);
  const wrong = await run(["alerts", "test", "examples/alerting.yaml", "severity=page", "--verify-receivers", "chat"]);
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /expected receivers chat, the alert reaches oncall/);
});

test("usage errors and specs without alert delivery", async () => {
  assert.equal((await run(["alerts", "test", "examples/alerting.yaml", "severity"])).code, 2);
  assert.equal((await run(["alerts", "test", "examples/alerting.yaml", "--verify-receivers", "chat"])).code, 2);
  const none = await run(["alerts", "test", "examples/quickstart.yaml"]);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /no alert delivery .*monitoring\.alertmanager/);
  const help = await run(["alerts", "test", "--help"]);
  assert.match(help.stdout, /amtool config routes test/);
  assert.match(help.stdout, /--verify-receivers/);
});
