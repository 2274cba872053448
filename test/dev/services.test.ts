import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { parse } from "yaml";
import { findOnPath } from "../../src/dev/executables.js";
import { prometheusArgs, prometheusConfigForDev, redisArgs } from "../../src/dev/services.js";
import { planDeployment } from "../../src/plan/plan.js";
import { validateTopology } from "../../src/spec/validate.js";

const repo = new URL("../../../", import.meta.url).pathname;

test("redis-server runs on loopback, persists nothing, and evicts LRU within the plan's memory", () => {
  const args = redisArgs(6390, 128 * 1024 * 1024, "/tmp/x");
  const opt = (name: string) => args[args.indexOf(name) + 1];
  assert.equal(opt("--port"), "6390");
  assert.equal(opt("--bind"), "127.0.0.1");
  assert.equal(opt("--save"), "");
  assert.equal(opt("--appendonly"), "no");
  assert.equal(opt("--maxmemory"), String(128 * 1024 * 1024));
  assert.equal(opt("--maxmemory-policy"), "allkeys-lru");
});

test("the plan's prometheus.yml points at dev's rules file, and promtool accepts both", () => {
  const v = validateTopology(readFileSync(join(repo, "examples/quickstart.yaml"), "utf8"));
  assert.ok(v.ok);
  const prom = planDeployment(v.topology, "dev", { dev: { adminPort: 9911, prometheusPort: 9912, fleetPorts: { web: [1, 2, 3] } } }).monitoring.prometheus;
  assert.ok(prom, "the quickstart has monitoring");
  const dir = mkdtempSync(join(tmpdir(), "edgeform-prom-"));
  try {
    const { config, rulesFile } = prometheusConfigForDev(prom.configYaml, prom.rulesYaml, dir);
    assert.equal(rulesFile, join(dir, "rules.yml"));
    assert.deepEqual((parse(config) as { rule_files: string[] }).rule_files, [rulesFile]);
    writeFileSync(rulesFile!, prom.rulesYaml);
    writeFileSync(join(dir, "prometheus.yml"), config);
    const promtool = findOnPath("promtool", process.env["PATH"]);
    assert.ok(promtool, "promtool is installed (scripts/test.sh installs the prometheus package)");
    const out = execFileSync(promtool, ["check", "config", join(dir, "prometheus.yml")], { encoding: "utf8" });
    assert.match(out, /SUCCESS/);
    assert.match(out, /rules found/);

    const withoutRules = parse(prometheusConfigForDev(prom.configYaml, "", dir).config) as Record<string, unknown>;
    assert.equal(withoutRules["rule_files"], undefined, "no rules: no rule_files entry pointing at nothing");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.deepEqual(prometheusArgs({ configFile: "/c.yml", storageDir: "/d", port: 9912, retentionMs: 86_400_000 }).slice(0, 4), [
    "--config.file=/c.yml",
    "--storage.tsdb.path=/d",
    "--storage.tsdb.retention.time=86400s",
    "--web.listen-address=127.0.0.1:9912",
  ]);
});
