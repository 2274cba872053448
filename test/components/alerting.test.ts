/**
 * Alert delivery in the Docker and AWS graphs, under Pulumi's mocks
 * (examples/alerting.yaml): the Alertmanager container and its secret files,
 * the ECS service with secrets read by ARN, SNS wiring for managed
 * monitoring — and no receiver credential anywhere outside a secret.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { parse } from "yaml";
import { ALERT_SECRET_VALUES, alertingPlan } from "./support/alert-scenarios.js";
import { Graph, T, containers, plainOccurrences, runScenarios, unsecret, writtenFiles, type ScenarioResult } from "./support/run.js";

let results: Map<string, ScenarioResult>;
before(async () => {
  results = await runScenarios([
    ["alerts-docker", "preview"], ["alerts-docker", "update"], ["alerts-aws", "update"], ["alerts-managed", "update"],
    ["alerts-topology-docker", "update"], ["alerts-topology-aws", "update"], ["alerts-docker-missing-secret", "preview"],
  ]);
});

const noPlainSecrets = (graph: Graph) => {
  for (const value of Object.values(ALERT_SECRET_VALUES)) {
    assert.deepEqual(plainOccurrences(graph.resources.map((r) => ({ inputs: r.inputs, state: r.state })), value), [], `"${value}" only inside secrets`);
  }
};

for (const mode of ["preview", "update"] as const) {
  describe(`Alertmanager on Docker (${mode})`, () => {
    test("a container with the generated config and one secret file per credential, Prometheus pointed at it", () => {
      const graph = new Graph(results.get(`alerts-docker/${mode}`)!);
      const am = graph.one(T.container, "t-mon-alertmanager");
      const plan = alertingPlan("local").monitoring.alertmanager!;
      assert.ok("$secret" in am.inputs.uploads, "the uploads hold secrets, so the whole list is a secret");
      const uploads = Object.fromEntries((unsecret(am.inputs.uploads) as Array<{ file: string; content: string }>).map((u) => [u.file, u.content]));
      assert.equal(uploads["/etc/alertmanager/alertmanager.yml"], plan.configYaml);
      assert.deepEqual(
        { pd: uploads["/etc/alertmanager/secrets/pdKey"], slack: uploads["/etc/alertmanager/secrets/slackHook"], smtp: uploads["/etc/alertmanager/secrets/smtpPassword"] },
        { pd: ALERT_SECRET_VALUES.pdKey, slack: ALERT_SECRET_VALUES.slackHook, smtp: ALERT_SECRET_VALUES.smtpPassword },
      );
      assert.ok(am.inputs.command.includes("--config.file=/etc/alertmanager/alertmanager.yml"));
      assert.deepEqual(am.inputs.ports, [{ internal: 9093, external: 9093, ip: "127.0.0.1", protocol: "tcp" }], "published on loopback only");
      assert.deepEqual(am.inputs.networksAdvanced, [{ name: "alerting-net", aliases: ["alerting-alertmanager"] }]);
      const prom = graph.one(T.container, "t-mon-prometheus");
      const config = (prom.inputs.uploads as Array<{ file: string; content: string }>).find((u) => u.file === "/etc/prometheus/prometheus.yml")!.content;
      assert.deepEqual((parse(config) as { alerting: unknown }).alerting, { alertmanagers: [{ static_configs: [{ targets: ["alerting-alertmanager:9093"] }] }] });
      noPlainSecrets(graph);
      assert.equal(results.get(`alerts-docker/${mode}`)!.outputs["alertmanagerUrl"], "http://localhost:9093");
    });
  });
}

describe("Alertmanager on AWS, self-hosted", () => {
  test("an ECS service in Cloud Map; secrets read by ARN into files, never in the task definition", () => {
    const graph = new Graph(results.get("alerts-aws/update")!);
    const task = graph.one(T.taskDef, "t-mon-alertmanager-task");
    const defs = containers(task);
    assert.equal(writtenFiles(task)["/etc/alertmanager/alertmanager.yml"], alertingPlan("prod").monitoring.alertmanager!.configYaml);
    const writer = defs.find((c) => c["name"] === "secrets")!;
    assert.deepEqual(writer["secrets"].map((s: { valueFrom: string }) => s.valueFrom), ["pdKey", "slackHook", "smtpPassword"].map((s) => `arn:aws:secretsmanager:eu-west-1:123456789012:secret:edgeform/alerting/${s}`));
    const am = defs.find((c) => c["name"] === "alertmanager")!;
    assert.deepEqual(am["dependsOn"], [{ containerName: "config", condition: "SUCCESS" }, { containerName: "secrets", condition: "SUCCESS" }]);
    assert.ok(am["mountPoints"].some((m: { containerPath: string; readOnly: boolean }) => m.containerPath === "/etc/alertmanager/secrets" && m.readOnly));
    assert.equal(graph.one(T.discovery, "t-mon-alertmanager-discovery").inputs.name, "edgeform-alertmanager");
    const ingress = graph.one(T.ingress, "t-mon-prometheus-to-alertmanager");
    assert.equal(ingress.inputs.fromPort, 9093);
    assert.equal(graph.byRef(ingress.inputs.referencedSecurityGroupId)?.name, "t-mon-prometheus-sg");
    const service = graph.one(T.service, "t-mon-alertmanager-service");
    assert.equal(graph.byRef(service.inputs.serviceRegistries.registryArn)?.name, "t-mon-alertmanager-discovery");
    const prom = parse(writtenFiles(graph.one(T.taskDef, "t-mon-prometheus-task"))["/etc/prometheus/prometheus.yml"]!) as { alerting: { alertmanagers: Array<{ dns_sd_configs: Array<{ names: string[] }> }> } };
    assert.deepEqual(prom.alerting.alertmanagers[0]!.dns_sd_configs[0]!.names, ["edgeform-alertmanager.alerting-prod.local"]);
    noPlainSecrets(graph);
  });
});

describe("Alerts with managed monitoring", () => {
  test("AMP's alert manager definition routes every receiver to one SNS topic; email and webhooks subscribe", () => {
    const graph = new Graph(results.get("alerts-managed/update")!);
    const topic = graph.one("aws:sns/topic:Topic", "t-mon-alerts");
    const definition = graph.one("aws:amp/alertManagerDefinition:AlertManagerDefinition", "t-mon-amp-alertmanager");
    assert.equal(graph.byRef(definition.inputs.workspaceId)?.name, "t-mon-amp");
    const doc = parse((parse(definition.inputs.definition) as { alertmanager_config: string }).alertmanager_config) as {
      route: { receiver: string; routes: Array<{ receiver: string }> };
      receivers: Array<{ name: string; sns_configs: Array<{ topic_arn: string; attributes: { receiver: string } }> }>;
      inhibit_rules: unknown[];
    };
    assert.equal(doc.route.receiver, "chat");
    assert.deepEqual(doc.route.routes.map((r) => r.receiver), ["oncall", "ops", "hooks"], "the same routing tree as self-hosted");
    assert.deepEqual(doc.receivers.map((r) => [r.name, r.sns_configs[0]!.topic_arn, r.sns_configs[0]!.attributes.receiver]), ["oncall", "chat", "ops", "hooks"].map((n) => [n, topic.state.arn, n]));
    assert.equal(doc.inhibit_rules.length, 1);
    assert.doesNotMatch(definition.inputs.definition, /_file:/, "no credential files: SNS needs none");
    const subs = graph.ofType("aws:sns/topicSubscription:TopicSubscription").map((s) => [s.inputs.protocol, s.inputs.endpoint, JSON.parse(s.inputs.filterPolicy).receiver[0]]).sort();
    assert.deepEqual(subs, [["email", "ops@example.com", "ops"], ["https", "https://hooks.example.com/alerts", "hooks"]]);
    const policy = JSON.parse(graph.one("aws:sns/topicPolicy:TopicPolicy", "t-mon-alerts-policy").inputs.policy) as { Statement: Array<{ Principal: { Service: string }; Action: string[] }> };
    assert.equal(policy.Statement[0]!.Principal.Service, "aps.amazonaws.com");
    assert.ok(policy.Statement[0]!.Action.includes("sns:Publish"));
    const agent = parse(writtenFiles(graph.one(T.taskDef, "t-mon-agent-task"))["/etc/prometheus/prometheus.yml"]!) as Record<string, unknown>;
    assert.equal(agent["alerting"], undefined, "the agent sends no alerts; the workspace does");
    assert.equal(graph.ofType(T.container).length, 0);
  });
});

describe("CdnTopology with alerting", () => {
  test("reads the receivers' credentials from Pulumi secret config and never shows them", () => {
    const graph = new Graph(results.get("alerts-topology-docker/update")!);
    assert.equal(graph.one(T.container, "alerting-monitoring-alertmanager").inputs.name, "alerting-alertmanager");
    noPlainSecrets(graph);
  });

  test("on AWS the foundation stores each credential in Secrets Manager and the Alertmanager task reads it by that ARN", () => {
    const graph = new Graph(results.get("alerts-topology-aws/update")!);
    const task = graph.one(T.taskDef, "alerting-monitoring-alertmanager-task");
    const writer = containers(task).find((c) => c["name"] === "secrets")!;
    const stored = writer["secrets"].map((s: { valueFrom: string }) => graph.byRef(s.valueFrom)?.type);
    assert.deepEqual(stored, ["aws:secretsmanager/secret:Secret", "aws:secretsmanager/secret:Secret", "aws:secretsmanager/secret:Secret"]);
    noPlainSecrets(graph);
  });

  test("a missing credential is refused with the command that sets it", () => {
    const e = results.get("alerts-docker-missing-secret/preview")!.error!;
    assert.equal(e.code, "EF_COMPONENT_ARGS");
    assert.match(e.message, /Alertmanager needs the secrets "slackHook", "smtpPassword"/);
    assert.match(e.hint!, /pulumi config set --secret slackHook/);
  });
});
