import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { Graph, T, containers, plainOccurrences, runScenarios, type ScenarioResult } from "./support/run.js";
import { SECRET_VALUES, shopPlan } from "./support/scenarios.js";

let results: Map<string, ScenarioResult>;
before(async () => {
  results = await runScenarios([
    ["fleet-docker", "preview"], ["fleet-docker", "update"], ["fleet-aws", "preview"], ["fleet-aws", "update"],
    ["fleet-external", "preview"], ["fleet-both-providers", "preview"], ["fleet-missing-secret", "preview"],
  ]);
});

const provisioned = (target: "local" | "aws" = "local") => shopPlan(target).fleets.filter((f) => f.kind === "provisioned");

for (const mode of ["preview", "update"] as const) {
  describe(`BackendFleet on Docker (${mode})`, () => {
    const g = () => new Graph(results.get(`fleet-docker/${mode}`)!);

    test("one container per replica, each a child of its fleet, named from the component", () => {
      const graph = g();
      const fleets = graph.ofType(T.fleet);
      assert.deepEqual(fleets.map((f) => f.name).sort(), ["t-api", "t-pg", "t-web"]);
      for (const planned of provisioned()) {
        const component = graph.one(T.fleet, `t-${planned.name}`);
        const kids = graph.childrenOf(component);
        const cs = kids.filter((k) => k.type === T.container);
        assert.equal(cs.length, planned.replicas, `${planned.name}: ${planned.replicas} containers`);
        assert.deepEqual(cs.map((c) => c.inputs.name).sort(), [...planned.replicaNames].sort());
        assert.ok(kids.every((k) => k.name.startsWith(`t-${planned.name}-`)), "children are named from the component");
        // The demo origin is built by the stack (it is published nowhere); other images are pulled.
        const imageType = planned.image!.startsWith("edgeform/demo-origin:") ? T.image : T.remoteImage;
        assert.equal(kids.filter((k) => k.type === imageType).length, 1, `${planned.name}: one ${imageType}`);
      }
      assert.equal(graph.ofType(T.container).length, 2 + 3 + 1);
    });

    test("replicas share the fleet's network alias, run its health check and restart policy", () => {
      for (const planned of provisioned()) {
        for (const c of g().ofType(T.container).filter((x) => x.name.startsWith(`t-${planned.name}-`))) {
          assert.deepEqual(c.inputs.networksAdvanced, [{ name: "shop-net", aliases: [planned.serviceHost] }]);
          assert.equal(c.inputs.restart, "unless-stopped");
          assert.equal(c.inputs.healthcheck.tests[0], "CMD-SHELL");
          const probe = c.inputs.healthcheck.tests[1] as string;
          if (planned.healthCheck!.protocol === "http") assert.match(probe, new RegExp(`127\\.0\\.0\\.1:${planned.port}${planned.healthCheck!.path.replace(/\//g, "\\/")}`));
          else assert.match(probe, new RegExp(`nc -z 127\\.0\\.0\\.1 ${planned.port}`));
          assert.equal(c.inputs.healthcheck.retries, planned.healthCheck!.unhealthyThreshold);
          assert.ok(c.inputs.labels.some((l: { label: string; value: string }) => l.label === "edgeform:topology" && l.value === "shop"), "tags become labels");
        }
      }
    });

    test("env carries PORT and the fleet's values; a secret env makes the whole list secret", () => {
      const graph = g();
      const api = graph.one(T.container, "t-api-0");
      assert.ok("$secret" in api.inputs.envs, "envs with a secret are secret");
      const envs = api.inputs.envs.$secret as string[];
      assert.ok(envs.includes("PORT=9000") && envs.includes("LOG_LEVEL=info") && envs.includes("EDGEFORM_REPLICA=shop-api-0"));
      assert.ok(envs.includes(`DB_PASSWORD=${SECRET_VALUES.dbPassword}`));
      assert.deepEqual(plainOccurrences(graph.resources.map((r) => r.inputs), SECRET_VALUES.dbPassword), []);
      const web = graph.one(T.container, "t-web-1");
      assert.ok(Array.isArray(web.inputs.envs), "no secret: envs stay readable");
      assert.ok(web.inputs.envs.includes("PORT=8080"));
    });

    test("containers run the pulled image", () => {
      const graph = g();
      const image = graph.one(T.remoteImage, "t-api-image");
      assert.equal(image.inputs.name, "ghcr.io/example/api:1.2.3");
      const c = graph.one(T.container, "t-api-0");
      if (mode === "preview") assert.equal(c.inputs.image, "$unknown", "the image id is known only after the pull");
      else assert.equal(c.inputs.image, image.state.imageId);
    });

    test("the demo origin image is built by the stack from images/demo-origin.Dockerfile, never pulled", () => {
      const graph = g();
      assert.deepEqual(graph.ofType(T.remoteImage).filter((i) => i.inputs.name.startsWith("edgeform/demo-origin")), [], "nothing pulls the demo origin");
      const image = graph.one(T.image, "t-web-image");
      assert.equal(image.inputs.imageName, "edgeform/demo-origin:0.1.0");
      assert.equal(image.inputs.skipPush, true, "it stays on the local engine");
      assert.match(image.inputs.build.dockerfile, /\/images\/demo-origin\.Dockerfile$/);
      assert.equal(image.inputs.build.args.BASE_IMAGE, "node:22-bookworm-slim", "the base image is a build argument");
      const c = graph.one(T.container, "t-web-0");
      if (mode === "update") assert.equal(c.inputs.image, image.state.repoDigest);
    });

    test("the spec's resources become limits; logs rotate; up waits for healthy; replicas replace one at a time", () => {
      const graph = g();
      for (const planned of provisioned()) {
        const cs = graph.ofType(T.container).filter((x) => x.name.startsWith(`t-${planned.name}-`));
        for (const c of cs) {
          assert.equal(c.inputs.cpus, String(planned.resources.cpu / 1024), `${c.name}: ${planned.resources.cpu} CPU units`);
          assert.equal(c.inputs.memory, planned.resources.memoryMiB, `${c.name}: memory limit in MiB`);
          assert.equal(c.inputs.logDriver, "json-file");
          assert.deepEqual(c.inputs.logOpts, { "max-size": "10m", "max-file": "3" });
          assert.equal(c.inputs.wait, true, "up waits until the replica is healthy");
          assert.equal(c.inputs.waitTimeout, 120);
          assert.equal(c.inputs.destroyGraceSeconds, 10, "a deleted replica gets time to finish in-flight requests");
          assert.equal(c.inputs.healthcheck.timeout, `${Math.max(planned.healthCheck!.timeoutMs, 5000) / 1000}s`, "a probe that may start node gets at least 5 s");
        }
      }
    });
  });

  describe(`BackendFleet on AWS (${mode})`, () => {
    const g = () => new Graph(results.get(`fleet-aws/${mode}`)!);

    test("each fleet: security group, task definition, Cloud Map service and Fargate service", () => {
      const graph = g();
      for (const planned of provisioned("aws")) {
        const kids = graph.childrenOf(graph.one(T.fleet, `t-${planned.name}`));
        const count = (type: string) => kids.filter((k) => k.type === type).length;
        assert.equal(count(T.sg), 1);
        assert.equal(count(T.taskDef), 1);
        assert.equal(count(T.discovery), 1);
        assert.equal(count(T.service), 1);
        const service = kids.find((k) => k.type === T.service)!;
        assert.equal(service.inputs.launchType, "FARGATE");
        assert.equal(service.inputs.cluster, "arn:aws:ecs:eu-west-1:123456789012:cluster/shop");
        assert.deepEqual(service.inputs.networkConfiguration.subnets, ["subnet-priv-a", "subnet-priv-b"]);
        assert.equal(service.inputs.networkConfiguration.assignPublicIp, false);
        const discovery = kids.find((k) => k.type === T.discovery)!;
        assert.equal(`${discovery.inputs.name}.shop-aws.local`, planned.serviceHost, "Cloud Map name = the host the edge resolves (the namespace carries the stack)");
        assert.equal(discovery.inputs.dnsConfig.namespaceId, "ns-shop");
        assert.deepEqual(discovery.inputs.dnsConfig.dnsRecords, [{ type: "A", ttl: 10 }]);
        if (mode === "update") {
          assert.equal(graph.byRef(service.inputs.serviceRegistries.registryArn), discovery, "service registers in its Cloud Map service");
          assert.equal(graph.byRef(service.inputs.taskDefinition), kids.find((k) => k.type === T.taskDef));
        }
      }
    });

    test("the fleet admits only the edge tier, on its port", () => {
      const graph = g();
      for (const planned of provisioned()) {
        const rules = graph.childrenOf(graph.one(T.fleet, `t-${planned.name}`)).filter((k) => k.type === T.ingress);
        assert.equal(rules.length, 1);
        const rule = rules[0]!;
        assert.equal(rule.inputs.referencedSecurityGroupId, "sg-edge");
        assert.equal(rule.inputs.fromPort, planned.port);
        assert.equal(rule.inputs.toPort, planned.port);
        assert.equal(rule.inputs.cidrIpv4, undefined);
        assert.equal(rule.inputs.cidrIpv6, undefined);
      }
    });

    test("task definitions: Fargate size, secrets by ARN, health check, logs", () => {
      const graph = g();
      const task = graph.one(T.taskDef, "t-api-task");
      assert.equal(task.inputs.cpu, "256");
      assert.equal(task.inputs.memory, "512");
      assert.deepEqual(task.inputs.requiresCompatibilities, ["FARGATE"]);
      const [app] = containers(task);
      assert.equal(app!["image"], "ghcr.io/example/api:1.2.3");
      assert.deepEqual(app!["secrets"], [{ name: "DB_PASSWORD", valueFrom: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:edgeform/shop/dbPassword" }]);
      assert.ok(app!["environment"].some((e: { name: string; value: string }) => e.name === "PORT" && e.value === "9000"));
      assert.match(app!["healthCheck"].command[1], /127\.0\.0\.1:9000\/health/);
      assert.equal(app!["logConfiguration"].options["awslogs-group"], "/edgeform/shop");
      assert.deepEqual(plainOccurrences(graph.resources.map((r) => r.inputs), SECRET_VALUES.dbPassword), [], "no secret value in any input");
    });

    test("autoscaling bounds from the spec, only where the spec asks", () => {
      const graph = g();
      const targets = graph.ofType(T.scalingTarget);
      assert.equal(targets.length, 1);
      assert.equal(targets[0]!.inputs.minCapacity, 2);
      assert.equal(targets[0]!.inputs.maxCapacity, 6);
      assert.equal(targets[0]!.parent, `${T.fleet}::t-api`);
      const policy = graph.one(T.scalingPolicy, "t-api-cpu");
      assert.equal(policy.inputs.targetTrackingScalingPolicyConfiguration.targetValue, 55);
      if (mode === "update") assert.equal(targets[0]!.inputs.resourceId, "service/shop/shop-aws-api");
    });
  });
}

describe("BackendFleet rejects arguments that cannot work", () => {
  test("a fleet with endpoints instead of an image", () => {
    const e = results.get("fleet-external/preview")!.error!;
    assert.equal(e.code, "EF_COMPONENT_ARGS");
    assert.match(e.message, /BackendFleet "t-legacy": fleet "legacy" lists existing endpoints/);
  });
  test("both docker and aws arguments", () => {
    assert.match(results.get("fleet-both-providers/preview")!.error!.message, /either `docker` or `aws` arguments, not both/);
  });
  test("a secret env value that was not given", () => {
    const e = results.get("fleet-missing-secret/preview")!.error!;
    assert.equal(e.code, "EF_COMPONENT_ARGS");
    assert.match(e.message, /secret "dbPassword"/);
  });
});
