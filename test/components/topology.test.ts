import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { before, describe, test } from "node:test";
import { Graph, T, plainOccurrences, runScenarios, type Res, type ScenarioResult } from "./support/run.js";
import { SECRET_VALUES } from "./support/scenarios.js";

let results: Map<string, ScenarioResult>;
before(async () => {
  results = await runScenarios([
    ["topology-docker", "preview"], ["topology-docker", "update"], ["topology-aws", "preview"], ["topology-aws", "update"],
    ["topology-aws-existing", "update"], ["topology-missing-secret", "preview"], ["topology-docker-options", "update"],
  ]);
});

/** Whether the provider's own type definitions give this resource type a `tags` argument. */
const awsRoot = dirname(createRequire(import.meta.url).resolve("@pulumi/aws/package.json"));
function taggable(type: string): boolean {
  if (type.startsWith("pulumi:providers:")) return false;
  const [, mod, res] = /^aws:([a-z0-9]+)\/([A-Za-z0-9]+):([A-Za-z0-9]+)$/.exec(type) ?? [];
  if (!mod || !res) throw new Error(`not an aws type token: ${type}`);
  const dts = readFileSync(join(awsRoot, mod, `${res}.d.ts`), "utf8");
  const args = dts.slice(dts.indexOf(`export interface ${type.split(":").pop()}Args {`));
  return /^\s{4}tags\?:/m.test(args.slice(0, args.indexOf("\n}")));
}

function allParentsLeadTo(graph: Graph, r: Res, root: Res): boolean {
  for (let p = graph.parentOf(r); p; p = graph.parentOf(p)) if (p === root) return true;
  return false;
}

for (const mode of ["preview", "update"] as const) {
  describe(`CdnTopology on Docker (${mode})`, () => {
    const g = () => new Graph(results.get(`topology-docker/${mode}`)!);

    test("builds fleets, cache, edge and monitoring from the plan, all under the topology", () => {
      const graph = g();
      const root = graph.one(T.topology, "shop");
      const count = (type: string) => graph.ofType(type).length;
      assert.equal(count(T.fleet), 3, "external fleets are not provisioned");
      assert.equal(count(T.cache), 1);
      assert.equal(count(T.edge), 1);
      assert.equal(count(T.monitoring), 1);
      assert.equal(count(T.network), 1);
      assert.equal(count(T.container), 2 + 3 + 1 + 1 + 2 + 2, "fleet replicas, redis, edge replicas, prometheus and grafana");
      for (const r of graph.resources) {
        if (r === root) continue;
        assert.ok(allParentsLeadTo(graph, r, root), `${r.type} ${r.name} is inside the topology`);
        assert.ok(r.name.startsWith("shop-"), `${r.name} is named from its component`);
      }
    });

    test("the network is created and every container joins it", () => {
      const graph = g();
      const net = graph.one(T.network, "shop-net");
      assert.equal(net.inputs.name, "shop-net");
      for (const c of graph.ofType(T.container)) assert.equal(c.inputs.networksAdvanced[0].name, mode === "update" ? net.state.name : "shop-net");
    });

    test("tags (target, topology and the caller's) label every container", () => {
      for (const c of g().ofType(T.container)) {
        const labels = Object.fromEntries(c.inputs.labels.map((l: { label: string; value: string }) => [l.label, l.value]));
        assert.equal(labels["edgeform:topology"], "shop");
        assert.equal(labels["edgeform:target"], "local");
        assert.equal(labels["owner"], "team-a");
      }
    });

    test("transforms given to the topology are registered on it, for the engine to apply to all its children", () => {
      const graph = g();
      assert.equal(graph.one(T.topology, "shop").transforms, 1);
    });

    test("secrets from stack config never appear in plain text", () => {
      for (const [name, value] of Object.entries(SECRET_VALUES)) {
        assert.deepEqual(plainOccurrences(g().resources.map((r) => r.inputs), value), [], `${name} stays secret`);
      }
    });
  });

  describe(`CdnTopology on AWS (${mode})`, () => {
    const g = () => new Graph(results.get(`topology-aws/${mode}`)!);

    test("one regional provider; every aws resource that takes tags carries the topology's tags", () => {
      const graph = g();
      const providers = graph.ofType("pulumi:providers:aws");
      assert.equal(providers.length, 1);
      assert.equal(providers[0]!.inputs.region, "eu-west-1");
      const untagged: string[] = [];
      let checked = 0;
      for (const r of graph.resources.filter((x) => x.custom && x.type.startsWith("aws:"))) {
        if (!taggable(r.type)) continue;
        checked++;
        const tags = r.inputs.tags ?? {};
        if (tags["edgeform:topology"] !== "shop" || tags["edgeform:target"] !== "aws" || tags["team"] !== "shop" || tags["owner"] !== "team-a") untagged.push(`${r.type} ${r.name}`);
      }
      assert.ok(checked > 50, `checked ${checked} taggable resources`);
      assert.deepEqual(untagged, []);
    });

    test("no security group is open to the world except the load balancers' listener ports", () => {
      const graph = g();
      const open = graph.ofType(T.ingress).filter((r) => r.inputs.cidrIpv4 === "0.0.0.0/0" || r.inputs.cidrIpv6 === "::/0");
      assert.deepEqual(open.map((r) => `${r.name}:${r.inputs.fromPort}`).sort(), ["shop-edge-nlb-in-db:5432", "shop-monitoring-grafana-public:3000"]);
      for (const sg of graph.ofType(T.sg)) assert.equal(sg.inputs.ingress, undefined, `${sg.name} has no inline ingress`);
      if (mode === "update") {
        const lbSgs = new Set(graph.ofType(T.lb).flatMap((lb) => lb.inputs.securityGroups));
        for (const r of open) assert.ok(lbSgs.has(r.inputs.securityGroupId), `${r.name} opens a load balancer's security group`);
        const listenerPorts = new Set(graph.ofType(T.listener).map((l) => l.inputs.port));
        for (const r of open) assert.ok(listenerPorts.has(r.inputs.fromPort), `${r.name} opens a listener port`);
      }
    });

    test("tasks and Redis in private subnets, load balancers in public ones", () => {
      const graph = g();
      const privateSubnets = graph.ofType("aws:ec2/subnet:Subnet").filter((s) => s.name.includes("private"));
      const publicSubnets = graph.ofType("aws:ec2/subnet:Subnet").filter((s) => s.name.includes("public"));
      assert.equal(privateSubnets.length, 2);
      assert.equal(publicSubnets.length, 2);
      if (mode === "update") {
        const priv = privateSubnets.map((s) => s.id).sort();
        for (const svc of graph.ofType(T.service)) {
          assert.deepEqual([...svc.inputs.networkConfiguration.subnets].sort(), priv, `${svc.name} runs in private subnets`);
          assert.equal(svc.inputs.networkConfiguration.assignPublicIp, false);
        }
        for (const lb of graph.ofType(T.lb)) assert.deepEqual([...lb.inputs.subnets].sort(), publicSubnets.map((s) => s.id).sort());
        assert.deepEqual([...graph.one("aws:elasticache/subnetGroup:SubnetGroup", "shop-cache-edge-subnets").inputs.subnetIds].sort(), priv);
      }
    });

    test("secrets go to Secrets Manager as secret values and reach tasks by ARN", () => {
      const graph = g();
      const versions = graph.ofType("aws:secretsmanager/secretVersion:SecretVersion");
      assert.equal(versions.length, 4);
      for (const v of versions) assert.ok("$secret" in v.inputs.secretString, `${v.name} stores a secret`);
      for (const [name, value] of Object.entries(SECRET_VALUES)) {
        assert.deepEqual(plainOccurrences(graph.resources.map((r) => r.inputs), value), [], `${name} stays secret`);
      }
      const policy = graph.one("aws:iam/rolePolicy:RolePolicy", "shop-foundation-exec-secrets");
      if (mode === "preview") {
        assert.equal(policy.inputs.policy, "$unknown", "the secrets' ARNs exist only after they are created");
      } else {
        const doc = JSON.parse(policy.inputs.policy) as { Statement: Array<{ Action: string[]; Resource: string[] }> };
        assert.deepEqual(doc.Statement[0]!.Action, ["secretsmanager:GetSecretValue"]);
        assert.deepEqual([...doc.Statement[0]!.Resource].sort(), graph.ofType("aws:secretsmanager/secret:Secret").map((x) => x.state.arn).sort(), "the execution role reads only this topology's secrets");
      }
    });

    test("the edge, fleets and cache are wired through the foundation", () => {
      const graph = g();
      const edgeSg = graph.one(T.sg, "shop-foundation-edge-sg");
      for (const rule of ["shop-fleet-api-from-edge", "shop-fleet-web-from-edge", "shop-fleet-pg-from-edge", "shop-cache-edge-from-edge"]) {
        const r = graph.one(T.ingress, rule);
        if (mode === "update") assert.equal(r.inputs.referencedSecurityGroupId, edgeSg.id);
      }
      const ns = graph.one("aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace", "shop-foundation-ns");
      assert.equal(ns.inputs.name, "shop.local");
      if (mode === "update") {
        for (const d of graph.ofType(T.discovery)) assert.equal(d.inputs.dnsConfig.namespaceId, ns.id);
        const outputs = results.get("topology-aws/update")!.outputs;
        assert.equal(outputs["cdnUrl"], `https://${graph.one(T.distribution, "shop-edge-cdn").state.domainName}`);
        assert.equal((outputs["publicUrls"] as string[])[0], outputs["cdnUrl"]);
        assert.equal(outputs["grafanaUrl"], `http://${graph.one(T.lb, "shop-edge-alb").state.dnsName}:3000`);
        assert.equal(outputs["prometheusUrl"], "http://edgeform-prometheus.shop.local:9090");
      }
    });
  });
}

describe("CdnTopology on Docker: a second up with a changed spec", () => {
  test("every container is replaced delete-first (fixed names and ports); edge and fleet replicas one at a time", () => {
    const options = (results.get("topology-docker-options/update")!.outputs["options"] as Array<{ type: string; name: string; deleteBeforeReplace: boolean; dependsOn: string[] }>);
    const cs = options.filter((o) => o.type === T.container);
    assert.ok(cs.length >= 8, `containers recorded: ${cs.map((c) => c.name).join(", ")}`);
    assert.deepEqual(cs.filter((c) => !c.deleteBeforeReplace).map((c) => c.name), [], "a create-first replacement would fail with 'name in use' / 'port is already allocated'");
    for (const prefix of ["shop-edge", "shop-fleet-web", "shop-fleet-api"]) {
      const replicas = cs.filter((c) => new RegExp(`^${prefix}-\\d+$`).test(c.name));
      assert.ok(replicas.length >= 2, `${prefix}: replicas recorded`);
      replicas.slice(1).forEach((c, i) => assert.ok(c.dependsOn.includes(replicas[i]!.name), `${c.name} waits for ${replicas[i]!.name}: ${JSON.stringify(c.dependsOn)}`));
      assert.deepEqual(replicas[0]!.dependsOn.filter((d) => d.startsWith(prefix)), [], "the first replica waits for no sibling");
    }
    const volume = options.find((o) => o.type === T.volume);
    assert.ok(volume, "Prometheus keeps its data in a volume, a resource of its own that a container replacement leaves alone");
  });
});

describe("CdnTopology escape hatches", () => {
  test("an existing VPC, subnets and ECS cluster are used instead of created", () => {
    const graph = new Graph(results.get("topology-aws-existing/update")!);
    for (const type of ["aws:ec2/vpc:Vpc", "aws:ec2/subnet:Subnet", "aws:ecs/cluster:Cluster", "aws:ec2/natGateway:NatGateway"]) {
      assert.equal(graph.ofType(type).length, 0, `no ${type}`);
    }
    for (const svc of graph.ofType(T.service)) {
      assert.equal(svc.inputs.cluster, "arn:aws:ecs:eu-west-1:123456789012:cluster/shared");
      assert.deepEqual(svc.inputs.networkConfiguration.subnets, ["subnet-priv-x", "subnet-priv-y"]);
    }
    for (const lb of graph.ofType(T.lb)) assert.deepEqual(lb.inputs.subnets, ["subnet-pub-x", "subnet-pub-y"]);
    for (const sg of graph.ofType(T.sg)) assert.equal(sg.inputs.vpcId, "vpc-existing");
  });
});

describe("CdnTopology secrets", () => {
  test("missing secrets fail with every name and how to set it", () => {
    const e = results.get("topology-missing-secret/preview")!.error!;
    assert.equal(e.code, "EF_PULUMI_SECRET_MISSING");
    assert.match(e.message, /secrets "adminToken", "grafanaAdminPassword" are not set/);
    assert.match(e.hint!, /pulumi config set --secret adminToken/);
  });
});
