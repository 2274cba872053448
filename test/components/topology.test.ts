import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { before, describe, test } from "node:test";
import { Graph, T, containers, plainOccurrences, runScenarios, type Res, type ScenarioResult } from "./support/run.js";
import { prefixListIdFor } from "../../src/pulumi/mocks.js";
import { SECRET_VALUES } from "./support/scenarios.js";

let results: Map<string, ScenarioResult>;
before(async () => {
  results = await runScenarios([
    ["topology-docker", "preview"], ["topology-docker", "update"], ["topology-aws", "preview"], ["topology-aws", "update"],
    ["topology-aws-existing", "update"], ["topology-missing-secret", "preview"],
    ["topology-aws-stack-provider-config", "preview"], ["topology-aws-given-provider", "update"], ["topology-docker-options", "update"],
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

    test("no security group is open to the world except the load balancers' listener ports (Grafana stays private)", () => {
      const graph = g();
      const open = graph.ofType(T.ingress).filter((r) => r.inputs.cidrIpv4 === "0.0.0.0/0" || r.inputs.cidrIpv6 === "::/0");
      assert.deepEqual(open.map((r) => `${r.name}:${r.inputs.fromPort}`).sort(), ["shop-edge-nlb-in-db:5432"], "behind CloudFront the ALB is not open to the world, nor is Grafana");
      assert.equal(graph.ofType(T.listener).filter((l) => l.inputs.port === 3000).length, 0, "no Grafana listener unless the spec asks");
      assert.equal(graph.one(T.ingress, "shop-edge-alb-in-cloudfront").inputs.prefixListId, prefixListIdFor("eu-west-1"), "the prefix list of the stack's region");
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
      assert.equal(versions.length, 5);
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

    test("every ECS service waits for steady state, after the NAT gateway, route tables, role policies and secret values", () => {
      const graph = g();
      const services = graph.ofType(T.service);
      assert.equal(services.length, 3 + 1 + 2, "fleets, edge, prometheus and grafana");
      const needed = [
        "aws:ec2/natGateway:NatGateway::shop-foundation-nat",
        ...[0, 1].flatMap((i) => [`aws:ec2/routeTableAssociation:RouteTableAssociation::shop-foundation-public-rta-${i}`, `aws:ec2/routeTableAssociation:RouteTableAssociation::shop-foundation-private-rta-${i}`]),
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment::shop-foundation-exec-policy",
        "aws:iam/rolePolicy:RolePolicy::shop-foundation-exec-secrets",
        ...graph.ofType("aws:secretsmanager/secretVersion:SecretVersion").map((v) => `${v.type}::${v.name}`),
      ];
      for (const service of services) {
        assert.equal(service.inputs.waitForSteadyState, true, `${service.name} waits for steady state`);
        const missing = needed.filter((d) => !(service.dependsOn ?? []).includes(d));
        assert.deepEqual(missing, [], `${service.name} depends on what its tasks need`);
      }
    });

    test("physical names come from the plan and carry the stack; fixed names are deleted before replacement", () => {
      const graph = g();
      assert.equal(graph.one("aws:cloudwatch/logGroup:LogGroup", "shop-foundation-logs").inputs.name, "/edgeform/shop-test");
      for (const secret of graph.ofType("aws:secretsmanager/secret:Secret")) assert.match(secret.inputs.name, /^edgeform\/shop-test\//);
      assert.equal(graph.one(T.ecr, "shop-edge-repo").inputs.name, "shop-test-edge");
      assert.equal(graph.one(T.replicationGroup, "shop-cache-edge-redis").inputs.replicationGroupId, "shop-test-edge");
      assert.equal(graph.one(T.lb, "shop-edge-alb").inputs.name, "shop-test-alb");
      for (const service of graph.ofType(T.service)) assert.match(service.inputs.name, /^shop-test-/);
      const fixed = [
        [T.ecr, "shop-edge-repo"], [T.replicationGroup, "shop-cache-edge-redis"], [T.lb, "shop-edge-alb"], [T.lb, "shop-edge-nlb"],
        ["aws:cloudwatch/logGroup:LogGroup", "shop-foundation-logs"], ["aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace", "shop-foundation-ns"],
        ["aws:cloudfront/cachePolicy:CachePolicy", "shop-edge-cdn-cache"],
      ] as const;
      for (const [type, name] of fixed) assert.equal(graph.one(type, name).deleteBeforeReplace, true, `${name} has a fixed name`);
      for (const tg of graph.ofType(T.targetGroup)) assert.notEqual(tg.deleteBeforeReplace, true, `${tg.name}: its name changes with its port, so it is created before the old one goes`);
    });

    test("self-hosted Prometheus keeps its data on encrypted EFS, mounted in every private subnet, reachable from Prometheus only", () => {
      const graph = g();
      const fs = graph.one("aws:efs/fileSystem:FileSystem", "shop-monitoring-prometheus-data");
      assert.equal(fs.inputs.encrypted, true);
      const mounts = graph.ofType("aws:efs/mountTarget:MountTarget");
      assert.equal(mounts.length, 2, "one mount target per private subnet");
      const task = graph.one(T.taskDef, "shop-monitoring-prometheus-task");
      const volume = task.inputs.volumes.find((v: { name: string }) => v.name === "prometheus-data");
      assert.equal(volume.efsVolumeConfiguration.transitEncryption, "ENABLED");
      const nfs = graph.one(T.ingress, "shop-monitoring-prometheus-data-nfs");
      assert.equal(nfs.inputs.fromPort, 2049);
      const service = graph.one(T.service, "shop-monitoring-prometheus-service");
      for (const m of mounts) assert.ok(service.dependsOn?.includes(`${m.type}::${m.name}`), `the service waits for ${m.name}`);
      if (mode === "update") {
        // The config writer runs the edge image, whose digest is known only after the build: containers in update mode.
        const prometheus = containers(task).find((c) => c["name"] === "prometheus")!;
        assert.ok(prometheus["mountPoints"].some((m: { sourceVolume: string; containerPath: string; readOnly: boolean }) => m.sourceVolume === "prometheus-data" && m.containerPath === "/prometheus" && !m.readOnly));
        assert.equal(volume.efsVolumeConfiguration.fileSystemId, fs.id);
        assert.equal(graph.byRef(nfs.inputs.referencedSecurityGroupId)?.name, "shop-monitoring-prometheus-sg");
        const privateSubnets = graph.ofType("aws:ec2/subnet:Subnet").filter((x) => x.name.includes("private")).map((x) => x.id).sort();
        assert.deepEqual(mounts.map((m) => m.inputs.subnetId).sort(), privateSubnets);
      }
    });

    test("trust policies admit AWS services only on behalf of the stack's account", () => {
      if (mode === "preview") return;
      const graph = g();
      const roles = graph.ofType("aws:iam/role:Role");
      assert.ok(roles.length >= 2);
      for (const role of roles) {
        const doc = JSON.parse(role.inputs.assumeRolePolicy) as { Statement: Array<{ Condition?: { StringEquals?: Record<string, string> } }> };
        assert.equal(doc.Statement[0]!.Condition?.StringEquals?.["aws:SourceAccount"], "123456789012", `${role.name} names the account`);
      }
    });

    test("the edge's HTTPS listener uses the spec's certificate; fleets run as the given task role", () => {
      const graph = g();
      const web = graph.one(T.listener, "shop-edge-listener-web");
      assert.deepEqual([web.inputs.port, web.inputs.protocol, web.inputs.certificateArn], [443, "HTTPS", "arn:aws:acm:eu-west-1:123456789012:certificate/alb"]);
      for (const name of ["shop-fleet-api-task", "shop-fleet-web-task"]) {
        assert.equal(graph.one(T.taskDef, name).inputs.taskRoleArn, "arn:aws:iam::123456789012:role/shop-fleets");
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
      assert.equal(ns.inputs.name, "shop-test.local", "the namespace carries the stack");
      if (mode === "update") {
        for (const d of graph.ofType(T.discovery)) assert.equal(d.inputs.dnsConfig.namespaceId, ns.id);
        const outputs = results.get("topology-aws/update")!.outputs;
        assert.equal(outputs["cdnUrl"], `https://${graph.one(T.distribution, "shop-edge-cdn").state.domainName}`);
        assert.equal((outputs["publicUrls"] as string[])[0], outputs["cdnUrl"]);
        assert.equal(outputs["grafanaUrl"], "http://edgeform-grafana.shop-test.local:3000", "private: inside the VPC only");
        assert.equal(outputs["prometheusUrl"], "http://edgeform-prometheus.shop-test.local:9090");
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

describe("CdnTopology AWS provider", () => {
  test("keeps the stack's provider settings (aws:profile, aws:assumeRoles) and sets the spec's region", () => {
    const graph = new Graph(results.get("topology-aws-stack-provider-config/preview")!);
    const [provider, ...more] = graph.ofType("pulumi:providers:aws");
    assert.equal(more.length, 0);
    assert.equal(provider!.inputs.region, "eu-west-1");
    assert.equal(provider!.inputs.profile, "shop-deployer");
    assert.match(JSON.stringify(provider!.inputs.assumeRoles), /arn:aws:iam::123456789012:role\/deploy/);
  });

  test("honours opts.provider instead of creating its own", () => {
    const graph = new Graph(results.get("topology-aws-given-provider/update")!);
    assert.deepEqual(graph.ofType("pulumi:providers:aws").map((p) => p.name), ["mine"]);
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
