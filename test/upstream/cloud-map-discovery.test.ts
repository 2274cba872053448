/**
 * Cloud Map discovery against a local server that speaks the DiscoverInstances
 * JSON API (the AWS SDK talks to it through an endpoint override, with static
 * fake credentials): every healthy replica is seen, not the eight a MULTIVALUE
 * DNS answer holds, as replicas come and go.
 */
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { CloudMapDiscovery } from "../../src/proxy/upstream/discovery/cloud-map.js";

interface Instance {
  id: string;
  ip: string;
  healthy: boolean;
  port?: number;
}

/** A fake Cloud Map data plane: answers DiscoverInstances from `instances`, records each request. */
class FakeCloudMap {
  instances: Instance[] = [];
  requests: Array<{ target: string; body: Record<string, unknown>; authorization: string }> = [];
  failNext = 0;
  readonly server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as Record<string, unknown>;
      this.requests.push({ target: String(req.headers["x-amz-target"]), body, authorization: String(req.headers["authorization"] ?? "") });
      if (this.failNext > 0) {
        this.failNext--;
        res.writeHead(400, { "content-type": "application/x-amz-json-1.1" });
        res.end(JSON.stringify({ __type: "NamespaceNotFound", message: "Namespace not found" }));
        return;
      }
      const wanted = body["HealthStatus"];
      const known = this.instances.filter(() => body["ServiceName"] === "api" && body["NamespaceName"] === "shop-prod.local");
      const anyHealthy = known.some((i) => i.healthy);
      const answer = known
        .filter((i) => wanted === "ALL" || i.healthy || (wanted === "HEALTHY_OR_ELSE_ALL" && !anyHealthy))
        .map((i) => ({
          InstanceId: i.id,
          NamespaceName: "shop-prod.local",
          ServiceName: "api",
          HealthStatus: i.healthy ? "HEALTHY" : "UNHEALTHY",
          Attributes: { AWS_INSTANCE_IPV4: i.ip, ...(i.port !== undefined ? { AWS_INSTANCE_PORT: String(i.port) } : {}), ECS_CLUSTER_NAME: "shop" },
        }));
      res.writeHead(200, { "content-type": "application/x-amz-json-1.1" });
      res.end(JSON.stringify({ Instances: answer, InstancesRevision: this.requests.length }));
    });
  });
  endpoint = "";
  async start(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", r));
    this.endpoint = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
  close(): Promise<void> {
    return new Promise((r) => {
      this.server.close(() => r());
      this.server.closeAllConnections();
    });
  }
}

const replicas = (from: number, to: number, healthy = true): Instance[] =>
  Array.from({ length: to - from }, (_, k) => ({ id: `task-${from + k}`, ip: `10.0.${Math.floor((from + k) / 200)}.${((from + k) % 200) + 10}`, healthy }));

const credentials = { accessKeyId: "AKIDFAKEFAKEFAKE", secretAccessKey: "fake-secret-key" };

describe("CloudMapDiscovery (DiscoverInstances through the AWS SDK)", () => {
  const fake = new FakeCloudMap();
  let discovery: CloudMapDiscovery;
  before(async () => {
    await fake.start();
    discovery = new CloudMapDiscovery(
      { type: "cloudmap", namespace: "shop-prod.local", service: "api", port: 8080, region: "eu-west-1", refreshMs: 1000 },
      { endpoint: fake.endpoint, credentials },
    );
  });
  after(() => fake.close());

  test("sees all 20 healthy replicas (a MULTIVALUE DNS answer holds at most 8), with the fleet's port", async () => {
    fake.instances = replicas(0, 20);
    const { backends, errors } = await discovery.discover();
    assert.deepEqual(errors, []);
    assert.equal(backends.length, 20);
    assert.deepEqual(new Set(backends.map((b) => b.port)), new Set([8080]));
    assert.deepEqual(backends.map((b) => b.host).sort(), fake.instances.map((i) => i.ip).sort());
    const request = fake.requests.at(-1)!;
    assert.equal(request.target, "Route53AutoNaming_v20170314.DiscoverInstances");
    assert.deepEqual({ ns: request.body["NamespaceName"], svc: request.body["ServiceName"], health: request.body["HealthStatus"] }, { ns: "shop-prod.local", svc: "api", health: "HEALTHY_OR_ELSE_ALL" });
    assert.equal(request.body["MaxResults"], 1000, "the API's maximum: no fleet is cut short");
    assert.match(request.authorization, /^AWS4-HMAC-SHA256 Credential=AKIDFAKEFAKEFAKE\/\d{8}\/eu-west-1\/servicediscovery\/aws4_request/, "signed with SigV4 for the region");
  });

  test("replicas appearing and disappearing: every refresh returns exactly the healthy set, in a stable order", async () => {
    const rounds: Instance[][] = [
      replicas(0, 12),                              // scale in
      [...replicas(0, 12), ...replicas(12, 20)],    // back to 20
      [...replicas(5, 20), ...replicas(20, 25)],    // five stopped, five new
      [...replicas(5, 15), ...replicas(15, 25, false)], // ten unhealthy: dropped
    ];
    for (const [round, set] of rounds.entries()) {
      fake.instances = set;
      const { backends, errors } = await discovery.discover();
      assert.deepEqual(errors, [], `round ${round}`);
      const want = set.filter((i) => i.healthy).map((i) => `${i.ip}:8080`).sort();
      assert.deepEqual(backends.map((b) => b.id), want, `round ${round}`);
    }
  });

  test("an instance registered with its own port (SRV-style) is used at that port", async () => {
    fake.instances = [{ id: "t-1", ip: "10.9.0.1", healthy: true, port: 9090 }, { id: "t-2", ip: "10.9.0.2", healthy: true }];
    const { backends } = await discovery.discover();
    assert.deepEqual(backends.map((b) => b.id), ["10.9.0.1:9090", "10.9.0.2:8080"]);
  });

  test("a failed call keeps the last known set and reports why, with a code", async () => {
    fake.instances = replicas(0, 20);
    assert.equal((await discovery.discover()).backends.length, 20);
    fake.failNext = 1;
    const { backends, errors } = await discovery.discover();
    assert.equal(backends.length, 20, "a Cloud Map hiccup must not empty a healthy fleet");
    assert.equal(errors.length, 1);
    assert.match(errors[0]!.message, /Cloud Map DiscoverInstances for "api" in "shop-prod\.local" failed: .*Namespace not found.*keeping 20 known/);
    assert.equal((errors[0] as { code?: string }).code, "EF_PROXY_DISCOVERY");
  });

  test("no healthy instance at all: every registered one is returned (HEALTHY_OR_ELSE_ALL), the proxy's own checks decide", async () => {
    fake.instances = replicas(0, 3, false);
    const { backends } = await discovery.discover();
    assert.equal(backends.length, 3);
  });
});

test("proxies that do not use Cloud Map never load the AWS SDK", async () => {
  const { spawnSync } = await import("node:child_process");
  const upstream = new URL("../../src/proxy/upstream/index.js", import.meta.url).href;
  // A resolve hook sees every module the child loads; static and DNS discovery must not pull the SDK in.
  const script = `
    import { registerHooks } from "node:module";
    const seen = [];
    registerHooks({ resolve(specifier, context, next) { if (specifier.includes("@aws-sdk/")) seen.push(specifier); return next(specifier, context); } });
    const { createDiscovery } = await import(${JSON.stringify(upstream)});
    await createDiscovery({ type: "static", endpoints: [{ host: "127.0.0.1", port: 1, weight: 1 }] }).discover();
    await createDiscovery({ type: "dns", hosts: [{ host: "localhost", port: 1, weight: 1 }], refreshMs: 1000 }).discover();
    const before = seen.length;
    // Creating a Cloud Map discovery does not load it either; only its first call does (the hook sees that).
    createDiscovery({ type: "cloudmap", namespace: "n.local", service: "s", port: 1, region: "eu-west-1", refreshMs: 1000 });
    const created = seen.length;
    await import("@aws-sdk/client-servicediscovery");
    process.stdout.write(JSON.stringify({ before, created, seen }));
  `;
  const cwd = new URL("../../../", import.meta.url).pathname;
  const run = spawnSync(process.execPath, ["--input-type=module", "-e", script], { cwd, encoding: "utf8", timeout: 60_000 });
  assert.equal(run.status, 0, run.stderr);
  const out = JSON.parse(run.stdout) as { before: number; created: number; seen: string[] };
  assert.equal(out.before, 0, `loaded: ${out.seen.join(", ")}`);
  assert.equal(out.created, 0, `loaded: ${out.seen.join(", ")}`);
  assert.ok(out.seen.includes("@aws-sdk/client-servicediscovery"), "the hook does see the SDK when it is loaded");
});
