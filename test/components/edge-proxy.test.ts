import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { before, describe, test } from "node:test";
import { Graph, T, containers, plainOccurrences, runScenarios, unsecret, type ScenarioResult } from "./support/run.js";
import { prefixListIdFor } from "../../src/pulumi/mocks.js";
import { dockerPublicUrls, publishAddress } from "../../components/edge-proxy/docker.js";
import { validateTopology } from "../../src/spec/validate.js";
import { REDIS_PASSWORD, SECRET_VALUES, shopPlan } from "./support/scenarios.js";

let results: Map<string, ScenarioResult>;
before(async () => {
  results = await runScenarios([
    ["edge-docker", "preview"], ["edge-docker", "update"], ["edge-aws", "preview"], ["edge-aws", "update"],
    ["edge-aws-existing-listener", "update"], ["edge-aws-cdn-without-http", "preview"], ["edge-wrong-provider", "preview"],
  ]);
});

for (const mode of ["preview", "update"] as const) {
  describe(`EdgeProxy on Docker (${mode})`, () => {
    const g = () => new Graph(results.get(`edge-docker/${mode}`)!);
    const plan = shopPlan("local");

    test("the image is built from images/edge-proxy.Dockerfile with BASE_IMAGE as a build argument", () => {
      const image = g().one(T.image, "t-edge-image");
      assert.equal(image.parent, `${T.edge}::t-edge`);
      assert.match(image.inputs.build.dockerfile, /\/images\/edge-proxy\.Dockerfile$/);
      assert.ok(existsSync(image.inputs.build.dockerfile), "the Dockerfile ships with the package");
      assert.ok(existsSync(`${image.inputs.build.dockerfile}.dockerignore`), "with its own .dockerignore");
      const dockerfile = readFileSync(image.inputs.build.dockerfile, "utf8");
      assert.match(dockerfile, /^ARG BASE_IMAGE=node:22[\w.-]*-slim$/m, "the default base is a public node:22 slim image");
      assert.match(dockerfile, /^ENTRYPOINT \["node", "\/app\/dist\/src\/proxy\/main\.js"\]$/m, "the image runs the proxy's own entry, which takes --config");
      assert.deepEqual(image.inputs.build.args, { BASE_IMAGE: "registry.local/node:22" });
      assert.equal(image.inputs.skipPush, true);
    });

    test("N replicas, each publishing every listener at its own host port", () => {
      const cs = g().ofType(T.container);
      assert.equal(cs.length, plan.edge.replicas);
      cs.forEach((c, i) => {
        assert.equal(c.parent, `${T.edge}::t-edge`);
        assert.equal(c.inputs.name, plan.edge.replicaNames[i]);
        assert.deepEqual(c.inputs.ports, plan.edge.listeners.map((l) => ({ internal: l.port, external: l.publishedPorts[i], ip: "127.0.0.1", protocol: "tcp" })), "published on this machine only by default");
        assert.deepEqual(c.inputs.networksAdvanced, [{ name: "shop-net", aliases: ["shop-edge"] }]);
      });
      assert.deepEqual(cs.map((c) => c.inputs.ports.map((p: { external: number }) => p.external)), [[8080, 5432], [8081, 5433]]);
    });

    test("the generated proxy config is uploaded and read with --config", () => {
      for (const c of g().ofType(T.container)) {
        assert.deepEqual(c.inputs.command, ["--config", "/etc/edgeform/proxy.json"]);
        assert.equal(c.inputs.uploads.length, 1);
        assert.equal(c.inputs.uploads[0].file, "/etc/edgeform/proxy.json");
        assert.deepEqual(JSON.parse(c.inputs.uploads[0].content), plan.proxyConfig);
        assert.equal(c.inputs.healthcheck.tests[0], "CMD");
        assert.match(c.inputs.healthcheck.tests.at(-1), /127\.0\.0\.1:9901\/readyz/);
      }
    });

    test("the admin token reaches the replicas as a secret environment variable only", () => {
      const graph = g();
      const c = graph.one(T.container, "t-edge-0");
      assert.ok("$secret" in c.inputs.envs);
      assert.ok((c.inputs.envs.$secret as string[]).includes(`EDGEFORM_SECRET_ADMINTOKEN=${SECRET_VALUES.adminToken}`));
      assert.deepEqual(plainOccurrences(graph.resources.map((r) => r.inputs), SECRET_VALUES.adminToken), []);
      assert.ok(!c.inputs.uploads[0].content.includes(SECRET_VALUES.adminToken), "the config names the variable, never the token");
    });

    test("the Redis tier's generated password reaches the replicas as a secret environment variable", () => {
      const graph = g();
      for (const c of graph.ofType(T.container)) {
        assert.ok((c.inputs.envs.$secret as string[]).includes(`EDGEFORM_REDIS_AUTH_EDGE=${REDIS_PASSWORD}`));
      }
      assert.equal(plan.proxyConfig.caches[0]!.redis!.passwordEnv, "EDGEFORM_REDIS_AUTH_EDGE", "the proxy reads it from that variable");
      assert.deepEqual(plainOccurrences(graph.resources.map((r) => r.inputs), REDIS_PASSWORD), []);
    });

    test("up waits for each replica to be healthy; logs rotate; a deleted replica drains first", () => {
      for (const c of g().ofType(T.container)) {
        assert.equal(c.inputs.wait, true);
        assert.equal(c.inputs.waitTimeout, 120);
        assert.equal(c.inputs.destroyGraceSeconds, 10);
        assert.equal(c.inputs.logDriver, "json-file");
        assert.deepEqual(c.inputs.logOpts, { "max-size": "10m", "max-file": "3" });
      }
    });

    test("containers run the image that was built", () => {
      const graph = g();
      const c = graph.one(T.container, "t-edge-1");
      if (mode === "preview") assert.equal(c.inputs.image, "$unknown");
      else assert.equal(c.inputs.image, graph.one(T.image, "t-edge-image").state.repoDigest);
    });

    test("public URLs: one per listener and replica", () => {
      assert.deepEqual(results.get(`edge-docker/${mode}`)!.outputs["publicUrls"], ["http://127.0.0.1:8080", "http://127.0.0.1:8081", "tcp://127.0.0.1:5432", "tcp://127.0.0.1:5433"]);
    });
  });
}

describe("EdgeProxy on AWS (preview)", () => {
  const g = () => new Graph(results.get("edge-aws/preview")!);
  test("registers the same graph as an update, with computed values unknown", () => {
    const preview = g().resources.map((r) => `${r.type} ${r.name}`).sort();
    const update = new Graph(results.get("edge-aws/update")!).resources.map((r) => `${r.type} ${r.name}`).sort();
    assert.deepEqual(preview, update);
    assert.equal((unsecret(g().one(T.distribution, "t-edge-cdn").inputs.origins) as Array<{ domainName: string }>)[0]!.domainName, "origin.shop.example", "the name the ALB's certificate covers, known from the spec");
    assert.equal(results.get("edge-aws/preview")!.outputs["publicUrls"], "[unknown]");
  });
});

describe("EdgeProxy on AWS (update)", () => {
  const g = () => new Graph(results.get("edge-aws/update")!);
  const plan = shopPlan("aws");

  test("image pushed to an ECR repository with credentials from ECR, kept secret", () => {
    const graph = g();
    const repo = graph.one(T.ecr, "t-edge-repo");
    const image = graph.one(T.image, "t-edge-image");
    assert.equal(image.inputs.imageName, `${repo.state.repositoryUrl}:latest`);
    // The engine cannot hide one field, so the whole registry block is secret.
    assert.ok("$secret" in image.inputs.registry, "the registry password is secret");
    assert.equal((unsecret(image.inputs.registry) as { server: string }).server, repo.state.repositoryUrl);
    assert.equal(image.inputs.build.platform, "linux/amd64");
    assert.ok(results.get("edge-aws/update")!.calls.includes("aws:ecr/getAuthorizationToken:getAuthorizationToken"));
  });

  test("listener → target group → service, for HTTP (ALB) and TCP (NLB)", () => {
    const graph = g();
    const service = graph.one(T.service, "t-edge-service");
    assert.equal(service.inputs.desiredCount, plan.edge.replicas);
    for (const l of plan.edge.listeners) {
      const listener = graph.one(T.listener, `t-edge-listener-${l.name}`);
      const tg = graph.one(T.targetGroup, `t-edge-tg-${l.name}`);
      const forward = l.protocol === "http" ? graph.one(T.listenerRule, `t-edge-origin-${l.name}`).inputs.actions[0] : listener.inputs.defaultActions[0];
      assert.equal(graph.byRef(forward.targetGroupArn), tg, `${l.name}: the listener forwards to its target group`);
      const lb = graph.byRef(listener.inputs.loadBalancerArn)!;
      assert.equal(lb.inputs.loadBalancerType, l.protocol === "http" ? "application" : "network");
      assert.ok(service.inputs.loadBalancers.some((b: { targetGroupArn: string; containerName: string; containerPort: number }) => b.targetGroupArn === tg.state.arn && b.containerName === "edge" && b.containerPort === l.port),
        `${l.name}: the service registers its tasks in the target group`);
      assert.equal(tg.inputs.targetType, "ip");
      assert.equal(tg.inputs.name, plan.aws!.targetGroups[l.name], "the target group's name comes from the plan");
      assert.equal(tg.inputs.healthCheck.path, "/healthz", "liveness: one fleet down must not fail every edge target");
      assert.equal(tg.inputs.healthCheck.port, String(plan.edge.adminPort));
    }
    const tcp = graph.one(T.listener, "t-edge-listener-db");
    assert.deepEqual([tcp.inputs.port, tcp.inputs.protocol], [5432, "TCP"]);
  });

  test("the ALB speaks HTTPS with the spec's certificate; without the origin secret it answers 403", () => {
    const graph = g();
    const https = graph.one(T.listener, "t-edge-listener-web");
    assert.deepEqual([https.inputs.port, https.inputs.protocol], [443, "HTTPS"]);
    assert.equal(https.inputs.certificateArn, "arn:aws:acm:eu-west-1:123456789012:certificate/alb");
    assert.match(https.inputs.sslPolicy, /^ELBSecurityPolicy-TLS13-1-2/);
    assert.deepEqual(https.inputs.defaultActions, [{ type: "fixed-response", fixedResponse: { contentType: "text/plain", messageBody: "forbidden", statusCode: "403" } }]);
    const rule = graph.one(T.listenerRule, "t-edge-origin-web");
    assert.equal(rule.inputs.listenerArn, https.state.arn);
    assert.ok(JSON.stringify(rule.inputs.conditions).includes('"$secret"'), "the header value is a secret");
    assert.deepEqual(unsecret(rule.inputs.conditions), [{ httpHeader: { httpHeaderName: "X-Edgeform-Origin-Verify", values: [SECRET_VALUES.cdnOriginSecret] } }]);
    assert.equal(graph.ofType(T.listener).filter((l) => l.inputs.protocol === "HTTP").length, 0, "behind CloudFront there is no plain-HTTP listener");
    assert.equal(graph.one(T.lb, "t-edge-alb").inputs.name, plan.aws!.alb);
    assert.equal(graph.one(T.lb, "t-edge-alb").deleteBeforeReplace, true, "a fixed name: the old ALB goes first");
    const idle = graph.one(T.lb, "t-edge-alb").inputs.idleTimeout;
    assert.equal(idle, plan.aws!.albIdleTimeoutSeconds);
    assert.ok(plan.proxyConfig.limits.keepAliveTimeoutMs > idle * 1000, "the proxy's keep-alive outlasts the ALB's idle timeout (the config the task receives)");
  });

  test("CloudFront reaches the ALB over HTTPS only, by the certificate's name, with the secret origin header", () => {
    const graph = g();
    const dist = graph.one(T.distribution, "t-edge-cdn");
    assert.ok(JSON.stringify(dist.inputs.origins).includes('"$secret"'), "the origin header is a secret");
    const origin = (unsecret(dist.inputs.origins) as Array<Record<string, any>>)[0]!;
    assert.equal(origin.domainName, "origin.shop.example");
    assert.equal(origin.customOriginConfig.originProtocolPolicy, "https-only");
    assert.equal(origin.customOriginConfig.httpsPort, 443);
    assert.deepEqual(origin.customOriginConfig.originSslProtocols, ["TLSv1.2"]);
    assert.deepEqual(unsecret(origin.customHeaders), [{ name: "X-Edgeform-Origin-Verify", value: SECRET_VALUES.cdnOriginSecret }]);
    assert.deepEqual(dist.inputs.aliases, ["cdn.shop.example"]);
    assert.equal(dist.inputs.viewerCertificate.acmCertificateArn, "arn:aws:acm:us-east-1:123456789012:certificate/abc");
    assert.equal(dist.inputs.defaultCacheBehavior.viewerProtocolPolicy, "redirect-to-https");
    assert.equal(graph.byRef(dist.inputs.defaultCacheBehavior.cachePolicyId)?.inputs.name, plan.aws!.cdnCachePolicy);
    assert.deepEqual(results.get("edge-aws/update")!.outputs["publicUrls"], ["https://cdn.shop.example", `tcp://${graph.one(T.lb, "t-edge-nlb").state.dnsName}:5432`]);
  });

  test("only the load balancers face the world; behind CloudFront the ALB admits only CloudFront, in one rule", () => {
    const graph = g();
    const rules = graph.ofType(T.ingress);
    const open = rules.filter((r) => r.inputs.cidrIpv4 === "0.0.0.0/0" || r.inputs.cidrIpv6 === "::/0");
    assert.deepEqual(open.map((r) => [graph.byRef(r.inputs.securityGroupId)?.name, r.inputs.fromPort]), [["t-edge-nlb-sg", 5432]]);
    const albSg = graph.one(T.sg, "t-edge-alb-sg");
    const albRules = rules.filter((r) => r.inputs.securityGroupId === albSg.id);
    assert.equal(albRules.length, 1, "the prefix list counts as 55 rules: one rule, whatever the number of listeners");
    assert.equal(albRules[0]!.inputs.prefixListId, prefixListIdFor("us-east-1"), "the id the lookup returned for the provider's region");
    assert.deepEqual([albRules[0]!.inputs.fromPort, albRules[0]!.inputs.toPort], [443, 443]);
    assert.ok(results.get("edge-aws/update")!.calls.includes("aws:ec2/getManagedPrefixList:getManagedPrefixList"));
    const toEdge = rules.filter((r) => r.inputs.securityGroupId === "sg-edge");
    assert.ok(toEdge.length > 0 && toEdge.every((r) => r.inputs.referencedSecurityGroupId !== undefined), "the edge admits load balancers only, by security group");
    assert.deepEqual(toEdge.map((r) => `${graph.byRef(r.inputs.referencedSecurityGroupId)?.name}:${r.inputs.fromPort}`).sort(),
      ["t-edge-alb-sg:8080", "t-edge-alb-sg:9901", "t-edge-nlb-sg:5432", "t-edge-nlb-sg:9901"]);
  });

  test("the service waits for steady state, after its listeners, task role and prerequisites", () => {
    const graph = g();
    const service = graph.one(T.service, "t-edge-service");
    assert.equal(service.inputs.waitForSteadyState, true);
    const deps = graph.dependsOn(service).map((d) => d.name).sort();
    assert.deepEqual(deps, ["t-edge-listener-db", "t-edge-listener-web", "t-edge-origin-web", "t-edge-task-role", "t-prerequisite"]);
  });

  test("the task role may only discover instances in the topology's Cloud Map namespace", () => {
    const graph = g();
    const task = graph.one(T.taskDef, "t-edge-task");
    const role = graph.one("aws:iam/role:Role", "t-edge-task-role");
    assert.equal(task.inputs.taskRoleArn, role.state.arn);
    const policy = JSON.parse(graph.one("aws:iam/rolePolicy:RolePolicy", "t-edge-task-discovery").inputs.policy);
    assert.deepEqual(policy.Statement, [{ Effect: "Allow", Action: ["servicediscovery:DiscoverInstances"], Resource: "*", Condition: { StringEquals: { "servicediscovery:NamespaceName": plan.aws!.namespace } } }]);
  });

  test("ECR keeps the last images only; the edge container's health check is liveness", () => {
    const graph = g();
    const lifecycle = JSON.parse(graph.one("aws:ecr/lifecyclePolicy:LifecyclePolicy", "t-edge-repo-lifecycle").inputs.policy);
    assert.equal(lifecycle.rules[0].selection.countType, "imageCountMoreThan");
    assert.equal(graph.one(T.ecr, "t-edge-repo").inputs.name, plan.aws!.ecrRepository);
    const edge = containers(graph.one(T.taskDef, "t-edge-task")).find((c) => c["name"] === "edge")!;
    assert.match(edge["healthCheck"].command.at(-1), /127\.0\.0\.1:9901\/healthz/);
  });

  test("task: config writer then proxy; secrets and Redis by ARN and environment", () => {
    const graph = g();
    const task = graph.one(T.taskDef, "t-edge-task");
    const [writer, edge] = containers(task);
    assert.equal(writer!["name"], "config");
    assert.equal(writer!["essential"], false);
    const files = JSON.parse(Buffer.from(writer!["environment"][0].value, "base64").toString("utf8")) as Record<string, string>;
    assert.deepEqual(JSON.parse(files["/etc/edgeform/proxy.json"]!), plan.proxyConfig);
    assert.deepEqual(edge!["command"], ["--config", "/etc/edgeform/proxy.json"]);
    assert.deepEqual(edge!["dependsOn"], [{ containerName: "config", condition: "SUCCESS" }]);
    assert.equal(edge!["image"], graph.one(T.image, "t-edge-image").state.repoDigest);
    assert.deepEqual(edge!["secrets"].map((s: { name: string }) => s.name).sort(), ["EDGEFORM_REDIS_AUTH_EDGE", "EDGEFORM_SECRET_ADMINTOKEN"]);
    assert.ok(edge!["secrets"].every((s: { valueFrom: string }) => s.valueFrom.startsWith("arn:aws:secretsmanager:")));
    assert.ok(edge!["environment"].some((e: { name: string; value: string }) => e.name === "EDGEFORM_REDIS_URL_EDGE" && e.value.startsWith("rediss://")));
    const service = graph.one(T.service, "t-edge-service");
    assert.equal(graph.byRef(service.inputs.serviceRegistries.registryArn)?.inputs.name, "edgeform-edge", "Prometheus finds the tasks via Cloud Map");
    for (const v of Object.values(SECRET_VALUES)) assert.deepEqual(plainOccurrences(graph.resources.map((r) => r.inputs), v), []);
  });
});

describe("EdgeProxy with an existing ALB listener", () => {
  test("adds a rule to that listener instead of creating an ALB", () => {
    const graph = new Graph(results.get("edge-aws-existing-listener/update")!);
    assert.equal(graph.ofType(T.lb).length, 0);
    const rule = graph.one(T.listenerRule, "t-edge-rule-web");
    assert.equal(rule.inputs.listenerArn, "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/shared/1/2");
    assert.equal(rule.inputs.priority, 42);
    assert.equal(graph.byRef(rule.inputs.actions[0].targetGroupArn)?.name, "t-edge-tg-web");
    const froms = graph.ofType(T.ingress).map((r) => r.inputs.referencedSecurityGroupId);
    assert.ok(froms.length > 0 && froms.every((f) => f === "sg-shared-alb"));
    assert.deepEqual(results.get("edge-aws-existing-listener/update")!.outputs["publicUrls"], ["http://shared-alb.example.com"]);
    assert.equal(unsecret(graph.one(T.service, "t-edge-service").inputs.loadBalancers[0].containerPort), 8080);
  });
});

describe("EdgeProxy rejects arguments that cannot work", () => {
  test("a CDN without an HTTP listener", () => {
    const e = results.get("edge-aws-cdn-without-http/preview")!.error!;
    assert.equal(e.code, "EF_COMPONENT_ARGS");
    assert.match(e.message, /CDN, but the edge has no HTTP listener/);
    assert.match(e.hint!, /cdn\.enabled: false/);
  });
  test("docker arguments for a plan made for an aws target", () => {
    assert.match(results.get("edge-wrong-provider/preview")!.error!.message, /plan was made for target "aws" \(aws\) but docker arguments were given/);
  });
});

describe("EdgeProxy on Docker: where the ports are published", () => {
  const withAddress = (publishAddress: string | undefined) => {
    const plan = shopPlan("local");
    if (plan.target.provider !== "docker") throw new Error("the shop fixture's local target is a docker target");
    const spec = { ...plan.target.spec };
    if (publishAddress === undefined) delete spec.publishAddress;
    else spec.publishAddress = publishAddress;
    return { ...plan, target: { ...plan.target, spec } };
  };

  test("127.0.0.1 unless the target's publishAddress says otherwise; URLs name an address that answers", () => {
    assert.equal(publishAddress(withAddress(undefined)), "127.0.0.1");
    assert.equal(publishAddress(withAddress("0.0.0.0")), "0.0.0.0");
    assert.deepEqual(dockerPublicUrls(withAddress("0.0.0.0")).slice(0, 1), ["http://localhost:8080"], "every interface: localhost reaches it");
    assert.deepEqual(dockerPublicUrls(withAddress("192.168.1.10")).slice(0, 1), ["http://192.168.1.10:8080"]);
    assert.deepEqual(dockerPublicUrls(withAddress("::1")).slice(0, 1), ["http://[::1]:8080"]);
  });

  test("the spec accepts an IPv4 or IPv6 publishAddress and refuses anything else, at its line", () => {
    const spec = (address: string) => `version: 1\nname: t\nfleets:\n  web: { image: nginx, port: 80 }\nedge:\n  listeners: [{ name: web, protocol: http, port: 8080 }]\n  routes: [{ name: all, match: { pathPrefix: / }, fleet: web }]\ntargets:\n  local: { provider: docker, publishAddress: "${address}" }\n`;
    assert.ok(validateTopology(spec("0.0.0.0")).ok);
    assert.ok(validateTopology(spec("::1")).ok);
    const bad = validateTopology(spec("localhost"), { filename: "t.yaml" });
    assert.equal(bad.ok, false);
    assert.ok(bad.diagnostics.some((d) => JSON.stringify(d).includes("publishAddress") && d.range?.start.line === 9), JSON.stringify(bad.diagnostics));
  });
});

describe("images/*.Dockerfile build without a network beyond the base image", () => {
  for (const file of ["edge-proxy.Dockerfile", "demo-origin.Dockerfile"]) {
    test(`${file}: no # syntax= frontend to fetch, the base image is a build argument, nothing runs inside`, () => {
      const text = readFileSync(new URL(`../../../images/${file}`, import.meta.url), "utf8");
      assert.doesNotMatch(text, /^#\s*syntax\s*=/im, "a syntax directive makes BuildKit pull a frontend image");
      assert.match(text, /^ARG BASE_IMAGE=\S+\nFROM \$\{BASE_IMAGE\}$/m);
      assert.doesNotMatch(text, /^RUN\b/m, "nothing is installed during the build");
    });
  }

  test("the runtime dependencies the images copy are bundled into the package, so npm's hoisting cannot take them", () => {
    const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { dependencies: Record<string, string>; bundleDependencies: string[] };
    const runtime = Object.keys(pkg.dependencies).filter((d) => !d.startsWith("@pulumi/"));
    assert.deepEqual([...pkg.bundleDependencies].sort(), runtime.sort(), "every non-Pulumi dependency is bundled; the Pulumi SDKs stay the consumer's");
  });
});
