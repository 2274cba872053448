/**
 * edge.admin.metricsToken with the Prometheus edgeform runs: `edgeform dev`
 * hands the token to Prometheus as a file (credentials_file, mode 0600, from
 * EDGEFORM_SECRET_<NAME>), so its scrapes of the edge's /metrics succeed
 * while the same URL without the token is refused. Real processes on 127.0.0.1.
 */
import assert from "node:assert/strict";
import { spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { allocatePorts } from "../../src/dev/ports.js";
import { secretEnvName } from "../../src/plan/plan.js";
import { startDevJson, until } from "./support/dev-json.js";

const work = mkdtempSync(join(tmpdir(), "edgeform-metrics-token-"));
const started: ChildProcess[] = [];
after(() => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  rmSync(work, { recursive: true, force: true });
});

interface Target {
  labels: Record<string, string>;
  scrapeUrl: string;
  health: string;
  lastError: string;
}

test("dev's Prometheus scrapes a token-protected /metrics with the token from the secret, which the URL alone does not get", { timeout: 120_000 }, async () => {
  assert.equal(spawnSync("sh", ["-c", "command -v prometheus"]).status, 0, "prometheus must be installed (Debian package prometheus)");
  const [listenerPort] = await allocatePorts(1);
  const spec = join(work, "token.yaml");
  writeFileSync(spec, `
version: 1
name: tokened
fleets: { web: { endpoints: ["127.0.0.1:9"] } }
edge:
  listeners: [{ name: web, protocol: http, port: ${listenerPort} }]
  admin: { metricsToken: { secret: metricsScrape } }
  routes: [{ name: all, match: { pathPrefix: / }, fleet: web }]
monitoring:
  prometheus: { scrapeInterval: 1s }
`);
  const token = `t-${process.pid}-${Date.now()}`;
  const { child: dev, events, show } = startDevJson(spec, { ...process.env, [secretEnvName("metricsScrape")]: token });
  started.push(dev);

  const ready = await until(`dev's ready event\n${show()}`, 60_000, async () => events.find((e) => e["event"] === "ready"));
  const prometheus = ready["prometheus"] as string;
  const edge = await until(`the edge target to be scraped successfully\n${show()}`, 45_000, async () => {
    const res = await fetch(`${prometheus}/api/v1/targets?state=active`);
    if (!res.ok) return undefined;
    const body = (await res.json()) as { data: { activeTargets: Target[] } };
    const target = body.data.activeTargets.find((t) => t.labels["job"] === "edgeform-edge");
    return target?.health === "up" ? target : undefined;
  });
  assert.equal(edge.lastError, "");
  const anonymous = await fetch(edge.scrapeUrl);
  assert.equal(anonymous.status, 401, "the same /metrics without the token is refused: Prometheus sent it");
  const withToken = await fetch(edge.scrapeUrl, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(withToken.status, 200);
  assert.ok(!show().includes(token), "the token appears in no dev event or log line");
  dev.kill("SIGTERM");
});
