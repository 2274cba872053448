/**
 * edge.admin.metricsToken on the Docker and AWS targets, under Pulumi's mocks: the
 * Prometheus container gets the token as a secret file that its scrape config
 * names (credentials_file), never as plain text in the config, an env var or
 * the graph.
 */
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { parse } from "yaml";
import { METRICS_TOKEN_VALUE } from "./support/alert-scenarios.js";
import { Graph, T, containers, plainOccurrences, runScenarios, unsecret, type ScenarioResult } from "./support/run.js";

let result: ScenarioResult;
let aws: ScenarioResult;
before(async () => {
  const results = await runScenarios([["metrics-token-topology-docker", "update"], ["metrics-token-topology-aws", "update"]]);
  result = results.get("metrics-token-topology-docker/update")!;
  aws = results.get("metrics-token-topology-aws/update")!;
});

test("Prometheus on Docker scrapes the edge with the metrics token from a secret file", () => {
  assert.equal(result.error, undefined, String(result.error?.message));
  const graph = new Graph(result);
  const prom = graph.one(T.container, "tokened-monitoring-prometheus");
  assert.ok("$secret" in prom.inputs.uploads, "the uploads hold the token, so the whole list is a secret");
  const uploads = Object.fromEntries((unsecret(prom.inputs.uploads) as Array<{ file: string; content: string }>).map((u) => [u.file, u.content]));
  assert.equal(uploads["/etc/prometheus/secrets/metricsScrape"], METRICS_TOKEN_VALUE);
  const config = parse(uploads["/etc/prometheus/prometheus.yml"]!) as { scrape_configs: Array<{ job_name: string; authorization?: unknown }> };
  assert.deepEqual(config.scrape_configs.find((j) => j.job_name === "edgeform-edge")?.authorization, { type: "Bearer", credentials_file: "/etc/prometheus/secrets/metricsScrape" });
  assert.ok(!uploads["/etc/prometheus/prometheus.yml"]!.includes(METRICS_TOKEN_VALUE), "the config names the file, not the token");
  assert.deepEqual(plainOccurrences(graph.resources.map((r) => ({ inputs: r.inputs, state: r.state })), METRICS_TOKEN_VALUE), [], "the token only inside secrets");
});

test("Prometheus on AWS reads the metrics token from a file an init container writes from Secrets Manager", () => {
  assert.equal(aws.error, undefined, String(aws.error?.message));
  const graph = new Graph(aws);
  const task = graph.one(T.taskDef, "tokened-monitoring-prometheus-task");
  const defs = containers(task);
  const writer = defs.find((c) => c["name"] === "secrets")!;
  assert.deepEqual(writer["secrets"].map((s: { valueFrom: string }) => graph.byRef(s.valueFrom)?.type), ["aws:secretsmanager/secret:Secret"]);
  assert.equal(writer["essential"], false);
  const prometheus = defs.find((c) => c["name"] === "prometheus")!;
  assert.deepEqual(prometheus["dependsOn"].find((d: { containerName: string }) => d.containerName === "secrets"), { containerName: "secrets", condition: "SUCCESS" });
  assert.deepEqual(prometheus["mountPoints"].find((m: { containerPath: string }) => m.containerPath === "/etc/prometheus/secrets"), { sourceVolume: "secrets", containerPath: "/etc/prometheus/secrets", readOnly: true });
  assert.equal(prometheus["secrets"], undefined, "the token is not in Prometheus's own environment");
  assert.deepEqual(plainOccurrences(graph.resources.map((r) => ({ inputs: r.inputs, state: r.state })), METRICS_TOKEN_VALUE), [], "the token only inside secrets");
});
