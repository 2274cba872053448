/**
 * edge.admin.metricsToken on the Docker target, under Pulumi's mocks: the
 * Prometheus container gets the token as a secret file that its scrape config
 * names (credentials_file), never as plain text in the config, an env var or
 * the graph.
 */
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { parse } from "yaml";
import { METRICS_TOKEN_VALUE } from "./support/alert-scenarios.js";
import { Graph, T, plainOccurrences, runScenarios, unsecret, type ScenarioResult } from "./support/run.js";

let result: ScenarioResult;
before(async () => {
  result = (await runScenarios([["metrics-token-topology-docker", "update"]])).get("metrics-token-topology-docker/update")!;
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
