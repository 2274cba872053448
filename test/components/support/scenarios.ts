/**
 * Programs the component tests run under Pulumi's mocks, one per child
 * process (mocks are global to a process). Each builds components from a
 * plan of a fixture spec, the way CdnTopology does, or CdnTopology itself.
 */
import { readFileSync } from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import { Provider as AwsProvider } from "@pulumi/aws/provider.js";
import { BackendFleet } from "../../../components/backend-fleet/index.js";
import { CacheTier } from "../../../components/cache-tier/index.js";
import { EdgeProxy } from "../../../components/edge-proxy/index.js";
import { Monitoring } from "../../../components/monitoring/index.js";
import type { EcsPlacement } from "../../../components/shared/ecs.js";
import { CdnTopology } from "../../../components/topology.js";
import { planAws } from "../../../src/plan/aws.js";
import { planDeployment } from "../../../src/plan/plan.js";
import type { DeploymentPlan } from "../../../src/plan/types.js";
import { validateTopology } from "../../../src/spec/validate.js";
import type { Topology } from "../../../src/spec/types.js";
import main from "../../../stacks/index.js";

export const fixture = (name: string) => new URL(`../../../../test/components/fixtures/${name}`, import.meta.url).pathname;
export const example = (name: string) => new URL(`../../../../examples/${name}`, import.meta.url).pathname;

/** Secret values the scenarios use; tests check none of them ever appears in plain text. */
export const SECRET_VALUES = {
  dbPassword: "db-password-s3cr3t",
  adminToken: "admin-token-s3cr3t",
  grafanaAdminPassword: "grafana-password-s3cr3t",
  redisAuthToken: "redis-auth-token-s3cr3t-0123",
  cdnOriginSecret: "cdn-origin-s3cr3t-header-value",
} as const;

export function loadFixture(file: string): Topology {
  const result = validateTopology(readFileSync(file, "utf8"), { filename: file });
  if (!result.ok) throw new Error(`fixture ${file} is invalid: ${result.diagnostics.map((d) => d.message).join("; ")}`);
  return result.topology;
}

export function shopPlan(target: "local" | "aws"): DeploymentPlan {
  return planDeployment(loadFixture(fixture("shop.yaml")), target);
}

/** An ECS placement as AwsFoundation would provide it, with fixed ids. */
export const placement: EcsPlacement = {
  region: "eu-west-1",
  clusterArn: "arn:aws:ecs:eu-west-1:123456789012:cluster/shop",
  vpcId: "vpc-0123",
  privateSubnetIds: ["subnet-priv-a", "subnet-priv-b"],
  namespaceId: "ns-shop",
  executionRoleArn: "arn:aws:iam::123456789012:role/shop-exec",
  logGroupName: "/edgeform/shop",
  secretArns: Object.fromEntries(Object.keys(SECRET_VALUES).map((s) => [s, `arn:aws:secretsmanager:eu-west-1:123456789012:secret:edgeform/shop/${s}`])),
};

/** The Docker cache tier's password as CacheTier would hand it to the edge. */
export const REDIS_PASSWORD = "generated-redis-password-0123";

const secrets = Object.fromEntries(Object.entries(SECRET_VALUES).map(([k, v]) => [k, pulumi.secret(v)]));

export interface Scenario {
  program: () => Promise<object>;
  config?: Record<string, string>;
  secretConfig?: Record<string, string>;
}

const edgeSg = "sg-edge";

/** A resource standing for what AwsFoundation.taskPrerequisites would hold. */
class Prerequisite extends pulumi.CustomResource {
  constructor(name: string) {
    super("test:index:Prerequisite", name, {});
  }
}

export const scenarios: Record<string, Scenario> = {
  "fleet-docker": {
    program: async () => {
      const plan = shopPlan("local");
      const fleets = plan.fleets.filter((f) => f.kind === "provisioned").map((fleet) => new BackendFleet(`t-${fleet.name}`, { fleet, secrets, tags: plan.tags, docker: { network: "shop-net" } }));
      return { hosts: fleets.map((f) => f.serviceHost) };
    },
  },
  "fleet-aws": {
    program: async () => {
      const plan = shopPlan("aws");
      const fleets = plan.fleets.filter((f) => f.kind === "provisioned").map((fleet) => new BackendFleet(`t-${fleet.name}`, { fleet, tags: plan.tags, aws: { placement, edgeSecurityGroupId: edgeSg } }));
      return { hosts: fleets.map((f) => f.serviceHost) };
    },
  },
  "fleet-external": {
    program: async () => {
      const plan = shopPlan("local");
      new BackendFleet("t-legacy", { fleet: plan.fleets.find((f) => f.name === "legacy")!, docker: { network: "n" } });
      return {};
    },
  },
  "fleet-both-providers": {
    program: async () => {
      const plan = shopPlan("local");
      new BackendFleet("t-web", { fleet: plan.fleets.find((f) => f.name === "web")!, docker: { network: "n" }, aws: { placement, edgeSecurityGroupId: edgeSg } });
      return {};
    },
  },
  "fleet-missing-secret": {
    program: async () => {
      const plan = shopPlan("local");
      new BackendFleet("t-api", { fleet: plan.fleets.find((f) => f.name === "api")!, docker: { network: "n" } });
      return {};
    },
  },
  "edge-docker": {
    program: async () => {
      const plan = shopPlan("local");
      const edge = new EdgeProxy("t-edge", { plan, secrets, tags: plan.tags, baseImage: "registry.local/node:22", docker: { network: "shop-net", redisPasswords: { edge: pulumi.secret(REDIS_PASSWORD) } } });
      return { publicUrls: edge.publicUrls };
    },
  },
  "edge-aws": {
    program: async () => {
      const plan = shopPlan("aws");
      const edge = new EdgeProxy("t-edge", {
        plan,
        tags: plan.tags,
        aws: {
          placement,
          publicSubnetIds: ["subnet-pub-a", "subnet-pub-b"],
          securityGroupId: edgeSg,
          redisUrls: { edge: "rediss://master.shop-redis.cache.amazonaws.com:6379" },
          cdn: { enabled: true, aliases: ["cdn.shop.example"], certificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/abc" },
          cdnOriginSecret: secrets["cdnOriginSecret"]!,
          serviceDependsOn: [new Prerequisite("t-prerequisite")],
        },
      });
      return { publicUrls: edge.publicUrls };
    },
  },
  "edge-aws-existing-listener": {
    program: async () => {
      const topology = loadFixture(example("quickstart.yaml"));
      const plan = planDeployment(topology, "local");
      const spec = { provider: "aws" as const, region: "eu-west-1" };
      const awsPlan: DeploymentPlan = { ...plan, target: { name: "aws", provider: "aws", spec }, aws: planAws(topology, "aws", spec, undefined, plan.edge.listeners) };
      const edge = new EdgeProxy("t-edge", {
        plan: awsPlan,
        aws: {
          placement,
          publicSubnetIds: ["subnet-pub-a"],
          securityGroupId: edgeSg,
          redisUrls: { edge: "rediss://r:6379" },
          existingAlbListener: { arn: "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/shared/1/2", securityGroupId: "sg-shared-alb", dnsName: "shared-alb.example.com", priority: 42 },
        },
      });
      return { publicUrls: edge.publicUrls };
    },
  },
  "edge-aws-cdn-without-http": {
    program: async () => {
      const plan = shopPlan("aws");
      const tcpOnly: DeploymentPlan = { ...plan, edge: { ...plan.edge, listeners: plan.edge.listeners.filter((l) => l.protocol === "tcp") } };
      new EdgeProxy("t-edge", { plan: tcpOnly, aws: { placement, publicSubnetIds: [], securityGroupId: edgeSg, redisUrls: { edge: "rediss://r:6379" }, cdn: { enabled: true } } });
      return {};
    },
  },
  "edge-wrong-provider": {
    program: async () => {
      new EdgeProxy("t-edge", { plan: shopPlan("aws"), secrets, docker: { network: "n" } });
      return {};
    },
  },
  "cache-docker": {
    program: async () => {
      const plan = shopPlan("local");
      const cache = new CacheTier("t-cache", { cache: plan.caches[0]!, tags: plan.tags, docker: { network: "shop-net", image: "mirror.local/redis:7" } });
      return { url: cache.url };
    },
  },
  "cache-aws": {
    program: async () => {
      const plan = shopPlan("aws");
      const cache = new CacheTier("t-cache", {
        cache: plan.caches[0]!,
        tags: plan.tags,
        aws: { vpcId: "vpc-0123", subnetIds: ["subnet-priv-a", "subnet-priv-b"], edgeSecurityGroupId: edgeSg, authToken: secrets["redisAuthToken"]! },
      });
      return { url: cache.url };
    },
  },
  "cache-aws-short-token": {
    program: async () => {
      const plan = shopPlan("aws");
      new CacheTier("t-cache", { cache: plan.caches[0]!, aws: { vpcId: "v", subnetIds: [], edgeSecurityGroupId: edgeSg, authToken: "short" } });
      return {};
    },
  },
  "monitoring-docker": {
    program: async () => {
      const plan = shopPlan("local");
      const m = new Monitoring("t-mon", { monitoring: plan.monitoring, topology: plan.name, edgeAdminPort: plan.edge.adminPort, grafanaAdminPassword: secrets["grafanaAdminPassword"]!, tags: plan.tags, docker: { network: "shop-net" } });
      return { prometheusUrl: m.prometheusUrl, grafanaUrl: m.grafanaUrl! };
    },
  },
  "monitoring-docker-no-password": {
    program: async () => {
      const plan = shopPlan("local");
      new Monitoring("t-mon", { monitoring: plan.monitoring, topology: plan.name, edgeAdminPort: plan.edge.adminPort, docker: { network: "shop-net" } });
      return {};
    },
  },
  "monitoring-aws": {
    program: async () => {
      const plan = shopPlan("aws");
      const m = new Monitoring("t-mon", {
        monitoring: plan.monitoring,
        topology: plan.name,
        edgeAdminPort: plan.edge.adminPort,
        tags: plan.tags,
        aws: {
          placement,
          edgeSecurityGroupId: edgeSg,
          configWriterImage: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop-edge@sha256:abc",
          publishGrafanaOn: {
            loadBalancerArn: "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/shop-alb/1",
            securityGroupId: "sg-alb",
            dnsName: "shop-alb.example.com",
            certificateArn: "arn:aws:acm:eu-west-1:123456789012:certificate/alb",
            allowedCidrs: ["203.0.113.0/24"],
            targetGroupName: plan.aws!.grafanaTargetGroup,
          },
        },
      });
      return { prometheusUrl: m.prometheusUrl, grafanaUrl: m.grafanaUrl! };
    },
  },
  "monitoring-managed": {
    program: async () => {
      const plan = shopPlan("aws");
      const m = new Monitoring("t-mon", {
        monitoring: plan.monitoring,
        topology: plan.name,
        edgeAdminPort: plan.edge.adminPort,
        tags: plan.tags,
        aws: { placement, edgeSecurityGroupId: edgeSg, configWriterImage: "edge@sha256:abc", managed: true, managedGrafanaAuthentication: "SAML", names: { managedPrometheus: plan.aws!.managedPrometheus, managedGrafana: plan.aws!.managedGrafana } },
      });
      return { prometheusUrl: m.prometheusUrl, grafanaUrl: m.grafanaUrl! };
    },
  },
  "topology-docker": {
    secretConfig: { "edgeform:dbPassword": SECRET_VALUES.dbPassword, "edgeform:adminToken": SECRET_VALUES.adminToken, "edgeform:grafanaAdminPassword": SECRET_VALUES.grafanaAdminPassword },
    program: async () => {
      const t = new CdnTopology("shop", { spec: loadFixture(fixture("shop.yaml")), target: "local", tags: { owner: "team-a" } }, {
        transforms: [({ props, opts }) => ({ props, opts })],
      });
      return { publicUrls: t.publicUrls, grafanaUrl: t.grafanaUrl!, prometheusUrl: t.prometheusUrl! };
    },
  },
  "topology-docker-options": {
    secretConfig: { "edgeform:dbPassword": SECRET_VALUES.dbPassword, "edgeform:adminToken": SECRET_VALUES.adminToken, "edgeform:grafanaAdminPassword": SECRET_VALUES.grafanaAdminPassword },
    program: async () => {
      // Resource options never reach the mocks; a stack transformation sees them as the engine would.
      const names = new Map<pulumi.Resource, string>();
      const options: Array<{ type: string; name: string; deleteBeforeReplace: boolean; dependsOn: string[] }> = [];
      pulumi.runtime.registerStackTransformation(({ resource, type, name, opts }) => {
        names.set(resource, name);
        const deps = opts.dependsOn === undefined ? [] : Array.isArray(opts.dependsOn) ? opts.dependsOn : [opts.dependsOn];
        options.push({ type, name, deleteBeforeReplace: (opts as pulumi.CustomResourceOptions).deleteBeforeReplace === true, dependsOn: (deps as pulumi.Resource[]).map((d) => names.get(d) ?? "?") });
        return undefined;
      });
      new CdnTopology("shop", { spec: loadFixture(fixture("shop.yaml")), target: "local" });
      return { options };
    },
  },
  "topology-aws": {
    secretConfig: Object.fromEntries(Object.entries(SECRET_VALUES).map(([k, v]) => [`edgeform:${k}`, v])),
    program: async () => {
      const t = new CdnTopology("shop", { spec: loadFixture(fixture("shop.yaml")), target: "aws", tags: { owner: "team-a" } });
      return { publicUrls: t.publicUrls, cdnUrl: t.cdnUrl!, grafanaUrl: t.grafanaUrl!, prometheusUrl: t.prometheusUrl! };
    },
  },
  "topology-aws-existing": {
    secretConfig: Object.fromEntries(Object.entries(SECRET_VALUES).map(([k, v]) => [`edgeform:${k}`, v])),
    program: async () => {
      const t = new CdnTopology("shop", {
        spec: loadFixture(fixture("shop.yaml")),
        target: "aws",
        existing: { vpcId: "vpc-existing", publicSubnetIds: ["subnet-pub-x", "subnet-pub-y"], privateSubnetIds: ["subnet-priv-x", "subnet-priv-y"], clusterArn: "arn:aws:ecs:eu-west-1:123456789012:cluster/shared" },
      });
      return { publicUrls: t.publicUrls };
    },
  },
  "topology-aws-stack-provider-config": {
    config: { "aws:profile": "shop-deployer", "aws:assumeRoles": JSON.stringify([{ roleArn: "arn:aws:iam::123456789012:role/deploy" }]) },
    secretConfig: Object.fromEntries(Object.entries(SECRET_VALUES).map(([k, v]) => [`edgeform:${k}`, v])),
    program: async () => {
      new CdnTopology("shop", { spec: loadFixture(fixture("shop.yaml")), target: "aws" });
      return {};
    },
  },
  "topology-aws-given-provider": {
    secretConfig: Object.fromEntries(Object.entries(SECRET_VALUES).map(([k, v]) => [`edgeform:${k}`, v])),
    program: async () => {
      const provider = new AwsProvider("mine", { region: "eu-west-1" });
      new CdnTopology("shop", { spec: loadFixture(fixture("shop.yaml")), target: "aws" }, { provider });
      return {};
    },
  },
  "topology-missing-secret": {
    secretConfig: { "edgeform:dbPassword": SECRET_VALUES.dbPassword },
    program: async () => {
      new CdnTopology("shop", { spec: loadFixture(fixture("shop.yaml")), target: "local" });
      return {};
    },
  },
  "stack-program": {
    config: { "edgeform:spec": example("quickstart.yaml"), "edgeform:target": "local" },
    program: async () => main(),
  },
  "stack-program-invalid-spec": {
    config: { "edgeform:spec": fixture("invalid.yaml"), "edgeform:target": "local" },
    program: async () => main(),
  },
};
