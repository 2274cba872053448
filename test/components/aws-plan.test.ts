/**
 * The AWS part of the plan, without Pulumi: physical names that carry the
 * stack, replacements that cannot collide, keep-alive ordered against the
 * ALB's idle timeout.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { awsPhysicalNames } from "../../src/plan/aws.js";
import { planDeployment } from "../../src/plan/plan.js";
import { validateRuntimeConfig } from "../../src/proxy/runtime/config.js";
import type { DeploymentPlan } from "../../src/plan/types.js";
import type { Topology } from "../../src/spec/types.js";
import { example, fixture, loadFixture } from "./support/scenarios.js";

function physicalNames(plan: DeploymentPlan): string[] {
  return awsPhysicalNames(plan.aws!, [
    ...plan.fleets.map((f) => f.resourceName),
    plan.edge.resourceName,
    ...plan.caches.map((c) => c.resourceName),
    ...(plan.monitoring.prometheus ? [plan.monitoring.prometheus.resourceName] : []),
    ...(plan.monitoring.grafana ? [plan.monitoring.grafana.resourceName] : []),
  ]);
}

test("two stacks of one spec and target share no physical name", () => {
  const topology = loadFixture(example("aws-production.yaml"));
  const a = physicalNames(planDeployment(topology, "prod", { stack: "shop-prod" }));
  const b = physicalNames(planDeployment(topology, "prod", { stack: "shop-prod-us" }));
  assert.ok(a.length > 15, `${a.length} names`);
  assert.deepEqual(a.filter((n) => b.includes(n)), []);
  const staging = physicalNames(planDeployment(topology, "staging"));
  assert.deepEqual(a.filter((n) => staging.includes(n)), [], "staging and prod of one spec in one account");
});

test("the default stack (<topology>-<target>) names read shop-<target>-…; Cloud Map hosts follow the namespace", () => {
  const plan = planDeployment(loadFixture(fixture("shop.yaml")), "aws");
  assert.equal(plan.aws!.prefix, "shop-aws");
  assert.equal(plan.aws!.namespace, "shop-aws.local");
  assert.equal(plan.fleets.find((f) => f.name === "api")!.serviceHost, "api.shop-aws.local");
  assert.equal(plan.edge.resourceName, "shop-aws-edge");
  assert.ok(plan.aws!.alb.length <= 32 && Object.values(plan.aws!.targetGroups).every((n) => n.length <= 32), "within the load balancer name limit");
});

test("a target group port change is a replacement under a new name (created before the old one is deleted)", () => {
  const topology = loadFixture(fixture("shop.yaml"));
  const moved: Topology = { ...topology, edge: { ...topology.edge, listeners: topology.edge.listeners.map((l) => (l.name === "web" ? { ...l, port: 8081 } : l)) } };
  const before = planDeployment(topology, "aws").aws!;
  const after = planDeployment(moved, "aws").aws!;
  assert.notEqual(after.targetGroups["web"], before.targetGroups["web"]);
  assert.equal(after.targetGroups["db"], before.targetGroups["db"], "an unchanged listener keeps its target group");
  assert.equal(after.alb, before.alb, "the ALB itself is not replaced");
});

test("the proxy keeps idle client connections longer than the ALB does", () => {
  const plan = planDeployment(loadFixture(fixture("shop.yaml")), "aws");
  assert.equal(plan.aws!.albIdleTimeoutSeconds, 60);
  assert.ok(plan.proxyConfig.limits.keepAliveTimeoutMs > plan.aws!.albIdleTimeoutSeconds * 1000, `${plan.proxyConfig.limits.keepAliveTimeoutMs} ms`);
  const topology = loadFixture(fixture("shop.yaml"));
  const longer: Topology = { ...topology, targets: { aws: { ...(topology.targets!["aws"] as object), loadBalancer: { idleTimeout: "2m" } } as never } };
  const p2 = planDeployment(longer, "aws");
  assert.equal(p2.aws!.albIdleTimeoutSeconds, 120);
  assert.ok(p2.proxyConfig.limits.keepAliveTimeoutMs > 120_000);
});

test("provisioned fleets on AWS are discovered through the Cloud Map API, in a config the proxy accepts", () => {
  const plan = planDeployment(loadFixture(example("aws-production.yaml")), "prod", { stack: "shop-prod" });
  const api = plan.proxyConfig.clusters.find((c) => c.name === "api")!;
  assert.deepEqual(api.discovery, { type: "cloudmap", namespace: "shop-prod.local", service: "api", port: 8080, region: "eu-west-1", refreshMs: 5000 });
  assert.deepEqual(validateRuntimeConfig(JSON.parse(JSON.stringify(plan.proxyConfig))), plan.proxyConfig);
});
