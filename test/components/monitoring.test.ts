import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { parse } from "yaml";
import { Graph, T, containers, plainOccurrences, runScenarios, writtenFiles, type ScenarioResult } from "./support/run.js";
import { SECRET_VALUES, shopPlan } from "./support/scenarios.js";

let results: Map<string, ScenarioResult>;
before(async () => {
  results = await runScenarios([
    ["monitoring-docker", "preview"], ["monitoring-docker", "update"], ["monitoring-aws", "preview"], ["monitoring-aws", "update"],
    ["monitoring-managed", "update"], ["monitoring-docker-no-password", "preview"],
  ]);
});

interface PromConfig {
  scrape_configs: Array<{ job_name: string; static_configs?: Array<{ targets: string[] }>; dns_sd_configs?: Array<{ names: string[]; port: number }> }>;
  rule_files?: string[];
  remote_write?: Array<{ url: string; sigv4: { region: string } }>;
}

for (const mode of ["preview", "update"] as const) {
  describe(`Monitoring on Docker (${mode})`, () => {
    const g = () => new Graph(results.get(`monitoring-docker/${mode}`)!);
    const plan = shopPlan("local");

    test("Prometheus scrapes every edge replica's admin port and loads the generated rules", () => {
      const prom = g().one(T.container, "t-mon-prometheus");
      const uploads = Object.fromEntries(prom.inputs.uploads.map((u: { file: string; content: string }) => [u.file, u.content]));
      const config = parse(uploads["/etc/prometheus/prometheus.yml"]) as PromConfig;
      const targets = config.scrape_configs.find((j) => j.job_name === "edgeform-edge")!.static_configs![0]!.targets;
      assert.deepEqual(targets, plan.edge.replicaNames.map((r) => `${r}:${plan.edge.adminPort}`), "one target per proxy replica, by container name");
      assert.equal(uploads["/etc/prometheus/edgeform.rules.yml"], plan.monitoring.prometheus!.rulesYaml);
      assert.deepEqual(config.rule_files, ["edgeform.rules.yml"]);
      assert.ok(prom.inputs.command.includes("--config.file=/etc/prometheus/prometheus.yml"));
      assert.deepEqual(prom.inputs.ports, [{ internal: 9090, external: 9090, ip: "127.0.0.1", protocol: "tcp" }], "published on loopback only");
      assert.deepEqual(prom.inputs.networksAdvanced, [{ name: "shop-net", aliases: ["shop-prometheus"] }]);
    });

    test("Prometheus keeps its TSDB in a named volume and has a health check; so does Grafana; up waits for both", () => {
      const graph = g();
      const prom = graph.one(T.container, "t-mon-prometheus");
      const volume = graph.one(T.volume, "t-mon-prometheus-data");
      assert.equal(volume.inputs.name, "shop-prometheus-data");
      assert.deepEqual(prom.inputs.mounts, [{ type: "volume", source: "shop-prometheus-data", target: "/prometheus" }], "the data directory outlives a replaced container");
      assert.deepEqual(prom.inputs.healthcheck.tests, ["CMD", "promtool", "query", "instant", "http://127.0.0.1:9090", "vector(1)"]);
      const grafana = graph.one(T.container, "t-mon-grafana");
      assert.match(grafana.inputs.healthcheck.tests[1], /127\.0\.0\.1:3000\/api\/health/);
      for (const c of [prom, grafana]) {
        assert.equal(c.inputs.wait, true, `${c.name}: up waits until it is healthy`);
        assert.equal(c.inputs.logDriver, "json-file");
      }
    });

    test("Grafana: provisioned datasource and dashboard, admin password only as a secret", () => {
      const graph = g();
      const grafana = graph.one(T.container, "t-mon-grafana");
      const uploads = Object.fromEntries(grafana.inputs.uploads.map((u: { file: string; content: string }) => [u.file, u.content]));
      const ds = parse(uploads["/etc/grafana/provisioning/datasources/edgeform.yaml"]) as { datasources: Array<{ url: string; type: string }> };
      assert.equal(ds.datasources[0]!.type, "prometheus");
      assert.equal(ds.datasources[0]!.url, "http://shop-prometheus:9090", "Grafana reaches the Prometheus container by name");
      assert.ok(uploads["/etc/grafana/provisioning/dashboards/edgeform.yaml"]);
      assert.equal(JSON.parse(uploads["/var/lib/grafana/dashboards/edgeform.json"]).title, "edgeform: shop");
      assert.ok("$secret" in grafana.inputs.envs);
      assert.ok((grafana.inputs.envs.$secret as string[]).includes(`GF_SECURITY_ADMIN_PASSWORD=${SECRET_VALUES.grafanaAdminPassword}`));
      assert.deepEqual(plainOccurrences(graph.resources.map((r) => r.inputs), SECRET_VALUES.grafanaAdminPassword), []);
      assert.deepEqual(grafana.inputs.ports, [{ internal: 3000, external: 3000, ip: "127.0.0.1", protocol: "tcp" }]);
      assert.deepEqual(results.get(`monitoring-docker/${mode}`)!.outputs, { prometheusUrl: "http://localhost:9090", grafanaUrl: "http://localhost:3000" });
    });
  });

  describe(`Monitoring on AWS, self-hosted (${mode})`, () => {
    const g = () => new Graph(results.get(`monitoring-aws/${mode}`)!);

    test("Prometheus on ECS finds every edge task through the edge's Cloud Map name", () => {
      const graph = g();
      const files = writtenFiles(graph.one(T.taskDef, "t-mon-prometheus-task"));
      const config = parse(files["/etc/prometheus/prometheus.yml"]!) as PromConfig;
      assert.deepEqual(config.scrape_configs[0]!.dns_sd_configs, [{ names: ["edgeform-edge.shop-aws.local"], type: "A", port: 9901, refresh_interval: "15s" }]);
      assert.ok(files["/etc/prometheus/edgeform.rules.yml"]!.includes("EdgeformEdge5xxRatioHigh"));
      const scrape = graph.one(T.ingress, "t-mon-scrape-edge");
      assert.equal(scrape.inputs.securityGroupId, "sg-edge");
      assert.equal(scrape.inputs.fromPort, 9901);
      if (mode === "update") assert.equal(graph.byRef(scrape.inputs.referencedSecurityGroupId)?.name, "t-mon-prometheus-sg");
      const discovery = graph.one(T.discovery, "t-mon-prometheus-discovery");
      assert.equal(discovery.inputs.name, "edgeform-prometheus");
    });

    test("Grafana on ECS reads its password by ARN and, when asked, is published on the ALB over HTTPS to the allowed networks only", () => {
      const graph = g();
      const task = graph.one(T.taskDef, "t-mon-grafana-task");
      const grafana = containers(task).find((c) => c["name"] === "grafana")!;
      assert.deepEqual(grafana["secrets"], [{ name: "GF_SECURITY_ADMIN_PASSWORD", valueFrom: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:edgeform/shop/grafanaAdminPassword" }]);
      const ds = parse(writtenFiles(task)["/etc/grafana/provisioning/datasources/edgeform.yaml"]!) as { datasources: Array<{ url: string }> };
      assert.equal(ds.datasources[0]!.url, "http://edgeform-prometheus.shop-aws.local:9090");
      const listener = graph.one(T.listener, "t-mon-grafana-listener");
      assert.equal(listener.inputs.port, 3000);
      assert.equal(listener.inputs.protocol, "HTTPS");
      assert.equal(listener.inputs.certificateArn, "arn:aws:acm:eu-west-1:123456789012:certificate/alb");
      assert.equal(listener.inputs.loadBalancerArn, "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/shop-alb/1");
      assert.equal(graph.one(T.targetGroup, "t-mon-grafana-tg").inputs.name, shopPlan("aws").aws!.grafanaTargetGroup);
      const cidrRules = graph.ofType(T.ingress).filter((r) => r.inputs.cidrIpv4 !== undefined);
      assert.deepEqual(cidrRules.map((r) => [r.inputs.securityGroupId, r.inputs.cidrIpv4, r.inputs.fromPort]), [["sg-alb", "203.0.113.0/24", 3000]], "Grafana admits the allowed networks only, never 0.0.0.0/0");
      assert.equal(results.get(`monitoring-aws/${mode}`)!.outputs["grafanaUrl"], "https://shop-alb.example.com:3000");
      for (const service of graph.ofType(T.service)) assert.equal(service.inputs.waitForSteadyState, true, `${service.name} waits for steady state`);
      assert.deepEqual(plainOccurrences(graph.resources.map((r) => r.inputs), SECRET_VALUES.grafanaAdminPassword), []);
    });
  });
}

describe("Monitoring on AWS, managed (update)", () => {
  test("AMP workspace with the generated rules, a Prometheus agent that remote-writes to it, Managed Grafana", () => {
    const graph = new Graph(results.get("monitoring-managed/update")!);
    const plan = shopPlan("aws");
    const workspace = graph.one("aws:amp/workspace:Workspace", "t-mon-amp");
    const rules = graph.one("aws:amp/ruleGroupNamespace:RuleGroupNamespace", "t-mon-amp-rules");
    assert.equal(rules.inputs.data, plan.monitoring.prometheus!.rulesYaml);
    assert.equal(graph.byRef(rules.inputs.workspaceId), workspace);
    const task = graph.one(T.taskDef, "t-mon-agent-task");
    const agent = containers(task).find((c) => c["name"] === "prometheus")!;
    assert.ok(agent["command"].includes("--enable-feature=agent"));
    const config = parse(writtenFiles(task)["/etc/prometheus/prometheus.yml"]!) as PromConfig;
    assert.equal(config.rule_files, undefined, "agent mode evaluates no rules; AMP does");
    assert.deepEqual(config.remote_write, [{ url: `${workspace.state.prometheusEndpoint}api/v1/remote_write`, sigv4: { region: "eu-west-1" } }]);
    assert.equal(graph.byRef(task.inputs.taskRoleArn)?.name, "t-mon-agent-role");
    const grafana = graph.one("aws:grafana/workspace:Workspace", "t-mon-grafana");
    assert.deepEqual(grafana.inputs.dataSources, ["PROMETHEUS"]);
    assert.deepEqual(grafana.inputs.authenticationProviders, ["SAML"], "sign-in is the spec's choice (managedGrafana.authentication)");
    assert.equal(grafana.inputs.name, plan.aws!.managedGrafana);
    assert.equal(workspace.inputs.alias, plan.aws!.managedPrometheus, "workspace names carry the stack");
    assert.equal(graph.ofType(T.container).length, 0);
    assert.equal(results.get("monitoring-managed/update")!.outputs["grafanaUrl"], `https://${grafana.state.endpoint}`);
  });
});

describe("Monitoring arguments", () => {
  test("Grafana without an admin password is refused: there is no default", () => {
    const e = results.get("monitoring-docker-no-password/preview")!.error!;
    assert.equal(e.code, "EF_COMPONENT_ARGS");
    assert.match(e.message, /admin password from Pulumi secrets .*no default/);
    assert.match(e.hint!, /pulumi config set --secret grafanaAdminPassword/);
  });
});
