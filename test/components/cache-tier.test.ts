import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, describe, test } from "node:test";
import { nodeTypeFor, redisConfig } from "../../components/cache-tier/index.js";
import { Graph, T, plainOccurrences, runScenarios, type ScenarioResult } from "./support/run.js";
import { SECRET_VALUES, shopPlan } from "./support/scenarios.js";

let results: Map<string, ScenarioResult>;
before(async () => {
  results = await runScenarios([["cache-docker", "preview"], ["cache-docker", "update"], ["cache-aws", "preview"], ["cache-aws", "update"], ["cache-aws-short-token", "preview"]]);
});

const redis = () => shopPlan("local").caches[0]!.redis!;

for (const mode of ["preview", "update"] as const) {
  describe(`CacheTier on Docker (${mode})`, () => {
    test("one Redis container: maxmemory, LRU eviction, no persistence, not published", () => {
      const graph = new Graph(results.get(`cache-docker/${mode}`)!);
      const [c, ...more] = graph.ofType(T.container);
      assert.equal(more.length, 0);
      assert.equal(c!.parent, `${T.cache}::t-cache`);
      assert.equal(c!.inputs.name, "shop-redis-edge");
      assert.deepEqual(c!.inputs.command, ["redis-server", "/usr/local/etc/redis/redis.conf"]);
      assert.ok((c!.inputs.command as string[]).every((a) => a !== ""), "the Docker provider refuses empty command values");
      assert.ok("$secret" in c!.inputs.uploads, "redis.conf holds the password, so the uploads are secret");
      const uploads = c!.inputs.uploads.$secret as Array<{ file: string; content: string }>;
      assert.equal(uploads.length, 1);
      assert.equal(uploads[0]!.file, "/usr/local/etc/redis/redis.conf");
      const password = graph.one(T.randomPassword, "t-cache-password");
      assert.equal(password.parent, `${T.cache}::t-cache`);
      assert.equal(password.inputs.length, 32);
      assert.equal(password.inputs.special, false, "letters and digits only: it goes into redis.conf and URLs unquoted");
      if (mode === "update") {
        const generated = password.state.result as string;
        const conf = uploads[0]!.content.split("\n");
        assert.ok(conf.includes(`requirepass ${generated}`), "Redis requires the generated password");
        assert.ok(conf.includes(`maxmemory ${256 * 1024 * 1024}`));
        assert.ok(conf.includes("maxmemory-policy allkeys-lru"));
        assert.ok(conf.includes('save ""'), "no RDB snapshots");
        assert.ok(conf.includes("appendonly no"), "no AOF");
        assert.deepEqual(c!.inputs.envs, { $secret: [`REDISCLI_AUTH=${generated}`] }, "the health check's redis-cli authenticates from the environment");
        assert.deepEqual(plainOccurrences(graph.resources.map((r) => r.inputs), generated), [], "the password never appears in plain text");
      }
      assert.deepEqual(c!.inputs.healthcheck.tests, ["CMD", "redis-cli", "-p", "6379", "ping"], "no password on the health check's command line");
      assert.equal(c!.inputs.wait, true);
      assert.equal(c!.inputs.ports, undefined, "reachable on the Docker network only");
      assert.deepEqual(c!.inputs.networksAdvanced, [{ name: "shop-net", aliases: [redis().host] }]);
      assert.equal(graph.one(T.remoteImage, "t-cache-image").inputs.name, "mirror.local/redis:7");
      assert.equal(results.get(`cache-docker/${mode}`)!.outputs["url"], "redis://shop-redis-edge:6379");
    });
  });

  describe(`CacheTier on AWS (${mode})`, () => {
    const g = () => new Graph(results.get(`cache-aws/${mode}`)!);
    test("an ElastiCache replication group in the private subnets with TLS, encryption at rest and a secret AUTH token", () => {
      const graph = g();
      const rg = graph.one(T.replicationGroup, "t-cache-redis");
      assert.equal(rg.inputs.transitEncryptionEnabled, true);
      assert.equal(rg.inputs.atRestEncryptionEnabled, true);
      assert.deepEqual(rg.inputs.authToken, { $secret: SECRET_VALUES.redisAuthToken });
      assert.equal(rg.inputs.snapshotRetentionLimit, 0);
      assert.equal(rg.inputs.nodeType, "cache.t4g.micro");
      assert.equal(rg.inputs.numCacheClusters, 2);
      assert.equal(rg.inputs.automaticFailoverEnabled, true);
      assert.ok(rg.inputs.replicationGroupId.length <= 40);
      assert.deepEqual(graph.one("aws:elasticache/subnetGroup:SubnetGroup", "t-cache-subnets").inputs.subnetIds, ["subnet-priv-a", "subnet-priv-b"]);
      const params = graph.one("aws:elasticache/parameterGroup:ParameterGroup", "t-cache-params");
      assert.deepEqual(params.inputs.parameters, [{ name: "maxmemory-policy", value: "allkeys-lru" }]);
      assert.deepEqual(plainOccurrences(graph.resources.map((r) => r.inputs), SECRET_VALUES.redisAuthToken), []);
      if (mode === "update") {
        assert.equal(graph.byRef(rg.inputs.securityGroupIds[0])?.name, "t-cache-sg");
        assert.equal(results.get("cache-aws/update")!.outputs["url"], `rediss://${rg.state.primaryEndpointAddress}:6379`);
      } else {
        assert.equal(results.get("cache-aws/preview")!.outputs["url"], "[unknown]");
      }
    });

    test("reachable only from the edge tier", () => {
      const rules = g().ofType(T.ingress);
      assert.equal(rules.length, 1);
      assert.equal(rules[0]!.inputs.referencedSecurityGroupId, "sg-edge");
      assert.equal(rules[0]!.inputs.fromPort, 6379);
      assert.equal(rules[0]!.inputs.cidrIpv4, undefined);
      assert.equal(g().ofType(T.egress).length, 0, "Redis never opens connections");
    });
  });
}

describe("CacheTier arguments", () => {
  test("an AUTH token ElastiCache would refuse is rejected before anything is created", () => {
    const e = results.get("cache-aws-short-token/preview")!.error!;
    assert.equal(e.code, "EF_COMPONENT_ARGS");
    assert.match(e.message, /16-128 printable characters/);
  });
  test("node type: the smallest that holds maxMemory after ElastiCache's reserved memory", () => {
    assert.equal(nodeTypeFor(256 * 1024 ** 2), "cache.t4g.micro");
    assert.equal(nodeTypeFor(384 * 1024 ** 2), "cache.t4g.micro");
    assert.equal(nodeTypeFor(385 * 1024 ** 2), "cache.t4g.small");
    assert.equal(nodeTypeFor(2 * 1024 ** 3), "cache.t4g.medium");
    assert.equal(nodeTypeFor(12 * 1024 ** 3), "cache.r7g.xlarge");
    assert.equal(nodeTypeFor(200 * 1024 ** 3), undefined);
  });
});

describe("the generated redis.conf, on a real redis-server", () => {
  test("loads, and Redis reports the memory cap, LRU eviction and no persistence", async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, "127.0.0.1", () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const dir = mkdtempSync(join(tmpdir(), "edgeform-redis-conf-"));
    const conf = join(dir, "redis.conf");
    writeFileSync(conf, redisConfig(redis()));
    // Loopback and a free port for the test; everything else comes from the generated file.
    const server = spawn("redis-server", [conf, "--port", String(port), "--bind", "127.0.0.1", "--dir", dir], { stdio: ["ignore", "pipe", "pipe"] });
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("redis-server did not start within 10 s")), 10_000);
        server.on("error", (e) => { clearTimeout(timer); reject(new Error(`redis-server could not run (${e.message}): apt-get install redis-server`)); });
        server.on("exit", (code) => { clearTimeout(timer); reject(new Error(`redis-server exited ${code}: the generated config was refused`)); });
        server.stdout.on("data", (d: Buffer) => { if (d.toString().includes("Ready to accept connections")) { clearTimeout(timer); resolve(); } });
      });
      const get = (key: string) => spawnSync("redis-cli", ["-h", "127.0.0.1", "-p", String(port), "--raw", "config", "get", key], { encoding: "utf8", timeout: 5000 }).stdout.split("\n")[1];
      assert.equal(get("maxmemory"), String(redis().maxMemoryBytes));
      assert.equal(get("maxmemory-policy"), "allkeys-lru");
      assert.equal(get("save"), "");
      assert.equal(get("appendonly"), "no");
    } finally {
      server.removeAllListeners("exit");
      server.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
