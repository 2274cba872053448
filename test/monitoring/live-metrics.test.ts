/**
 * The generated alert rules and dashboards query only series a live proxy
 * really exposes: the quickstart is planned for dev, its proxy started in
 * this process in front of a local backend, traffic sent through a plain and
 * a cached route, and every metric name in every example's rules and
 * dashboards looked up in that proxy's /metrics.
 */
import assert from "node:assert/strict";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { parse } from "yaml";
import { dashboardExpressions } from "../../src/plan/monitoring/index.js";
import { planDeployment } from "../../src/plan/plan.js";
import { startProxy, type RunningProxy } from "../../src/proxy/index.js";
import { loadSpec } from "../../src/spec/load-spec.js";
import { silentLogger } from "../proxy/support.js";
import { LATENCY_BUCKETS_SECONDS } from "../../src/spec/alert-labels.js";
import { scrapedNames, type RuleFile } from "./support/promql.js";
import { root, specsWithTargets } from "./support/specs.js";

let backend: Server;
let proxy: RunningProxy;

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, agent: false, timeout: 5000 }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("timeout", () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on("error", reject);
    req.end();
  });
}

before(async () => {
  backend = createServer((req, res) => {
    const cacheable = req.url?.startsWith("/static/");
    res.writeHead(200, { "content-type": "text/plain", ...(cacheable ? { "cache-control": "public, max-age=60" } : {}) });
    res.end("ok\n");
  });
  await new Promise<void>((resolve) => backend.listen(0, "127.0.0.1", resolve));
  const port = (backend.address() as AddressInfo).port;
  const plan = planDeployment(loadSpec(`${root}examples/quickstart.yaml`), "dev", {
    dev: { fleetPorts: { web: [port] }, adminPort: 0, listenerPorts: { web: 0 } },
  });
  proxy = await startProxy({ ...plan.proxyConfig, accessLog: false }, { logger: silentLogger(), drainTimeoutMs: 1000 });
  const web = proxy.ports["web"]!;
  for (const path of ["/hello", "/static/a.css", "/static/a.css", "/missing"]) assert.equal((await get(web, path)).status, 200);
});

after(async () => {
  await proxy?.close();
  await new Promise<void>((resolve) => (backend ? backend.close(() => resolve()) : resolve()));
});

/** Names that appear as samples (not only HELP/TYPE lines) in a Prometheus text exposition. */
function sampleNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split("\n")) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/.exec(line);
    if (m) names.add(m[1]!);
  }
  return names;
}

/** Names declared with # TYPE (a metric with no sample yet, e.g. no ejection so far). */
function declaredNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const m of text.matchAll(/^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary)$/gm)) {
    names.add(m[1]!);
    if (m[2] === "histogram") for (const s of ["_bucket", "_sum", "_count"]) names.add(m[1]! + s);
  }
  return names;
}

test("every metric queried by generated rules and dashboards is exposed by a live proxy's /metrics", async () => {
  const exposition = await get(proxy.ports["admin"]!, "/metrics");
  assert.equal(exposition.status, 200);
  const declared = declaredNames(exposition.body);
  const sampled = sampleNames(exposition.body);
  assert.ok(sampled.has("edgeform_http_requests_total"), "the request counter has samples after traffic");
  assert.ok(sampled.has("edgeform_http_request_duration_seconds_bucket"), "the latency histogram has samples after traffic");
  assert.ok(sampled.has("edgeform_cache_requests_total"), "the cached route counted its requests");

  const queried = new Map<string, string>();
  for (const { file, target } of specsWithTargets()) {
    const monitoring = planDeployment(loadSpec(file), target).monitoring;
    if (!monitoring.prometheus) continue;
    const ruleFile = parse(monitoring.prometheus.rulesYaml) as RuleFile;
    const rules = ruleFile.groups.flatMap((g) => g.rules.map((r) => r.expr));
    const panels = monitoring.grafana ? dashboardExpressions(monitoring.grafana.dashboardJson) : [];
    for (const expr of [...rules, ...panels]) for (const name of scrapedNames(ruleFile, [expr])) queried.set(name, `${file.slice(root.length)} → ${target}: ${expr}`);
  }
  assert.ok(queried.size >= 5, `expected several distinct metrics in rules and dashboards, found ${[...queried.keys()].join(", ")}`);
  const missing = [...queried].filter(([name]) => !declared.has(name)).map(([name, where]) => `${name} (in ${where})`);
  assert.deepEqual(missing, [], "queried but not exposed by the proxy");
});

test("the latency histogram's bucket bounds are the ones SLO rules interpolate between", async () => {
  const exposition = (await get(proxy.ports["admin"]!, "/metrics")).body;
  const bounds = new Set<string>();
  for (const m of exposition.matchAll(/^edgeform_http_request_duration_seconds_bucket\{[^}]*le="([^"]+)"/gm)) bounds.add(m[1]!);
  // The SLO rules select buckets by le="<bound>" exactly as JavaScript prints the number.
  assert.deepEqual([...bounds].filter((b) => b !== "+Inf").sort((a, b) => Number(a) - Number(b)), LATENCY_BUCKETS_SECONDS.map(String));
});
