/**
 * End to end on a real Docker engine: examples/e2e.yaml is deployed by the
 * real stacks/ program running under Pulumi's mocks, where the mocks apply
 * every Docker resource to the engine (test/e2e/harness). Then traffic goes
 * through the published edge ports on 127.0.0.1: balancing over every
 * replica, the shared cache (memory, then the Redis tier from the other edge
 * replica), a backend stopped under load with no failed request, Prometheus
 * scraping the edge with its alert rules loaded, and a teardown that leaves
 * nothing behind.
 *
 * It fails (never skips) when Docker cannot be started on a machine that
 * should run it. Timings of every phase are printed as test diagnostics.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { planDeployment } from "../../src/plan/index.js";
import { Metrics } from "../../src/plan/metric-names.js";
import { EDGE_SCRAPE_JOB } from "../../src/plan/monitoring/files.js";
import type { DeploymentPlan } from "../../src/plan/types.js";
import { validateTopologyFile } from "../../src/spec/index.js";
import { logsTail } from "./harness/container-logs.js";
import { dockerMocks } from "./harness/mocks.js";
import { runProgram } from "./harness/run-program.js";
import { RUN_LABEL } from "./harness/run-label.js";
import { E2eSession } from "./harness/session.js";
import type { StackState } from "./harness/stack-state.js";
import { assertAlertmanagerSeenByPrometheus } from "./alertmanager-check.js";
import { buildScratchImages, removeScratchImages, type ScratchImageTags } from "./images/scratch-images.js";
import { GiveUpError, LoopbackClient, replicaOf, startLoad, waitFor } from "./traffic.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const SPEC = join(root, "examples", "e2e.yaml");
const TARGET = "e2e";
const PROGRAM = join(root, "dist", "stacks", "index.js");

class Timings {
  private readonly started = Date.now();
  readonly phases: Array<{ phase: string; ms: number }> = [];
  async time<T>(phase: string, fn: () => Promise<T>): Promise<T> {
    const t0 = Date.now();
    try {
      return await fn();
    } finally {
      this.phases.push({ phase, ms: Date.now() - t0 });
      process.stderr.write(`[e2e] ${phase}: ${Date.now() - t0} ms\n`);
    }
  }
  summary(): string[] {
    return [...this.phases.map((p) => `${p.phase}: ${(p.ms / 1000).toFixed(1)} s`), `total: ${((Date.now() - this.started) / 1000).toFixed(1)} s`];
  }
}

test("examples/e2e.yaml runs on Docker through the stacks/ program and behaves as a CDN", { timeout: 900_000 }, async (t) => {
  const timings = new Timings();
  const log = (line: string) => process.stderr.write(`[e2e] ${line}\n`);
  const validated = await validateTopologyFile(SPEC);
  assert.ok(validated.ok, `${SPEC} is valid`);
  const plan = planDeployment(validated.topology, TARGET);
  const tags = imageTags(plan);
  const web = plan.fleets.find((f) => f.name === "web")!;
  const api = plan.fleets.find((f) => f.name === "api")!;
  const edgePorts = plan.edge.listeners[0]!.publishedPorts;
  const prometheusPort = plan.monitoring.prometheus!.port;

  // A machine that should run Docker but cannot fails here, with dockerd's log.
  const session = await timings.time("docker engine ready", () => E2eSession.open({ cwd: root, log, lockTimeoutMs: 5 * 60_000 }));
  const client = new LoopbackClient();
  // Steps 2-5 need a running stack; without one they fail at once instead of timing out one by one.
  let up = false;
  let stack: StackState | undefined;
  const requireUp = () => assert.ok(up, "the stack did not come up (see step 1)");
  try {
    const images = await timings.time("base images built FROM scratch (node, redis, prometheus, alertmanager)", () => buildScratchImages(session.docker, { root, tags, labels: session.labels, log }));
    session.defer(() => removeScratchImages(session.docker, images));
    t.diagnostic(`images: ${images.timings.map((i) => `${i.tag} ${i.ms} ms`).join(", ")}`);

    await t.test("1. the stacks/ program brings the topology up and every container turns healthy", async () => {
      assert.ok(existsSync(PROGRAM), `${PROGRAM} exists (the stacks/ program, built by tsc)`);
      const mocks = dockerMocks(session.applier);
      stack = mocks.state;
      const outputs = await timings.time("stack up (program under mocks, applied to Docker)", () =>
        runProgram({
          program: PROGRAM,
          project: "edgeform",
          stack: TARGET,
          config: { "edgeform:spec": SPEC, "edgeform:target": TARGET },
          mocks,
          timeoutMs: 360_000,
        }),
      );
      t.diagnostic(`stack outputs: ${JSON.stringify(outputs)}`);
      const urls = outputs["publicUrls"] as string[];
      assert.deepEqual(urls.map((u) => Number(new URL(u).port)), edgePorts, "the stack exports one public URL per published edge port");
      const containers = mocks.registered.filter((r) => r.type === "docker:index/container:Container");
      const expected = web.replicas + api.replicas + plan.edge.replicas + plan.caches.filter((c) => c.redis).length + 1 + (plan.monitoring.alertmanager ? 1 : 0);
      assert.equal(containers.length, expected, "one container per fleet replica, edge replica, Redis cache, Prometheus and Alertmanager");
      const built = mocks.registered.filter((r) => r.type === "docker:index/image:Image").map((r) => r.name);
      assert.deepEqual(built.sort(), ["e2e-edge-image", "e2e-edgeform-demo-origin-0-1-0"], "the stack built the edge and the demo origin itself, the origin once for both fleets (no image override)");
            t.diagnostic(`slowest resources: ${[...mocks.registered].sort((a, b) => b.ms - a.ms).slice(0, 4).map((r) => `${r.name} ${r.ms} ms`).join(", ")}`);
      await timings.time("containers healthy", () => waitHealthy(session, 120_000));
      // Everything talks over the network the stack created, never the default bridge.
      for (const c of await session.docker.listContainers({ filters: JSON.stringify({ label: [`${RUN_LABEL}=${session.runId}`] }) })) {
        assert.deepEqual(Object.keys(c.NetworkSettings.Networks), [plan.network], `${c.Names[0]} is attached to ${plan.network} only`);
      }
      up = true;
    });

    await t.test("2. requests through the published edge ports reach every backend replica", async () => {
      requireUp();
      const seen = await timings.time("every replica served", async () => ({
        web: await replicasServing(client, edgePorts, "/", web.replicaNames, 45_000),
        api: await replicasServing(client, edgePorts, "/api/hello", api.replicaNames, 45_000),
      }));
      assert.deepEqual([...seen.web].sort(), [...web.replicaNames].sort());
      assert.deepEqual([...seen.api].sort(), [...api.replicaNames].sort());
    });

    await t.test("3. a cacheable response is a hit on the second request, and a Redis-tier hit on the other edge replica", async () => {
      requireUp();
      const path = `/static/e2e-${session.runId}.json?cache=300`;
      const [port0, port1] = edgePorts as [number, number];
      // One site name for both replicas, as behind a load balancer: the cache keys on the authority
      // with its port, and each replica is published on a port of its own.
      const site = "cdn.e2e.test";
      const first = await client.get(port0, path, site);
      assert.equal(first.status, 200);
      assert.match(first.headers["cache-status"] ?? "", /^edgeform;(?!.*\bhit\b).*\bstored\b/, `first response is stored, not a hit: ${first.headers["cache-status"]}`);
      // Storing may finish just after the response is sent (memory, then Redis), and each edge
      // replica runs several workers with a memory tier each: give the store a moment.
      await sleep(500);
      const second = await client.get(port0, path, site);
      assert.match(second.headers["cache-status"] ?? "", /^edgeform; hit\b/, `second response is a cache hit: ${second.headers["cache-status"]}`);
      assert.equal(second.body, first.body, "the cached body is the one first served");
      // The other edge replica never fetched this URL: its hit can only come from the shared Redis tier.
      const other = await client.get(port1, path, site);
      assert.match(other.headers["cache-status"] ?? "", /^edgeform; hit\b.*detail=l2/, `the other edge replica answers from the Redis tier: ${other.headers["cache-status"]}`);
      assert.equal(other.body, first.body, "the Redis tier serves the same stored body");
      assert.equal(replicaOf(other), replicaOf(first));
      t.diagnostic(`Cache-Status: first "${first.headers["cache-status"]}", second "${second.headers["cache-status"]}", other edge replica "${other.headers["cache-status"]}"`);
    });

    await t.test("4. a backend stopped under load costs no request, and is readmitted after it restarts", async () => {
      requireUp();
      const victim = web.replicaNames[1]!;
      const container = session.docker.getContainer(victim);
      const load = startLoad(client, edgePorts, "/", { concurrency: 4, maxRequests: 8000, pauseMs: 5 });
      await sleep(1500);
      await timings.time(`docker stop ${victim} under load`, () => container.stop({ t: 5 }));
      const stoppedAt = Date.now();
      await sleep(6000);
      const result = await load.stop();
      t.diagnostic(`load while ${victim} stopped: ${result.sent} GETs, ${result.ok} ok, served by ${JSON.stringify(Object.fromEntries(result.servedBy))}`);
      assert.ok(result.sent >= 50, `the load really ran (${result.sent} requests)`);
      assert.ok(result.lastSentAt - stoppedAt >= 5000, "the load kept going for seconds after the backend stopped");
      assert.deepEqual(result.failures.slice(0, 10), [], `${result.failures.length} of ${result.sent} requests failed`);

      await container.start();
      const readmitted = await timings.time(`${victim} readmitted after restart`, () =>
        waitFor(`${victim} serving again`, 60_000, async () => {
          const reply = await client.get(edgePorts[0]!, "/");
          if (replicaOf(reply) === victim) return reply;
          throw new Error(`last answer from ${replicaOf(reply)}`);
        }, 100),
      );
      assert.equal(readmitted.status, 200);
    });

    await t.test("5. Prometheus scrapes every edge replica, sees the request counter grow, and has the alert rules loaded", async () => {
      requireUp();
      type Targets = { data: { activeTargets: Array<{ labels: Record<string, string>; health: string; lastError: string }> } };
      const up = await timings.time("edge targets up in Prometheus", () =>
        waitFor("every edge replica up in Prometheus", 60_000, async () => {
          const targets = (await client.getJson<Targets>(prometheusPort, "/api/v1/targets")).data.activeTargets.filter((x) => x.labels["job"] === EDGE_SCRAPE_JOB);
          if (targets.length === plan.edge.replicas && targets.every((x) => x.health === "up")) return targets;
          throw new Error(`targets: ${JSON.stringify(targets.map((x) => [x.labels["instance"], x.health, x.lastError]))}`);
        }, 500),
      );
      assert.equal(up.length, plan.edge.replicas);

      const total = async () => {
        type Query = { data: { result: Array<{ value: [number, string] }> } };
        const q = encodeURIComponent(`sum(${Metrics.httpRequests}{job="${EDGE_SCRAPE_JOB}"})`);
        const result = (await client.getJson<Query>(prometheusPort, `/api/v1/query?query=${q}`)).data.result;
        return result.length ? Number(result[0]!.value[1]) : undefined;
      };
      const before = await waitFor(`${Metrics.httpRequests} in Prometheus`, 30_000, total, 500);
      for (let i = 0; i < 20; i++) assert.equal((await client.get(edgePorts[i % edgePorts.length]!, "/")).status, 200);
      const after = await waitFor(`${Metrics.httpRequests} to grow past ${before}`, 30_000, async () => {
        const now = await total();
        return now !== undefined && now >= before + 20 ? now : undefined;
      }, 500);
      assert.ok(after >= before + 20, `request counter grew from ${before} to ${after}`);

      type Rules = { data: { groups: Array<{ rules: Array<{ name: string; type: string; health: string }> }> } };
      const loaded = (await client.getJson<Rules>(prometheusPort, "/api/v1/rules")).data.groups.flatMap((g) => g.rules);
      const generated = ((parseYaml(plan.monitoring.prometheus!.rulesYaml) as { groups: Array<{ rules: Array<{ alert?: string; record?: string }> }> }).groups ?? [])
        .flatMap((g) => g.rules.map((r) => r.alert ?? r.record));
      assert.ok(generated.length > 0, "the plan generates alert rules");
      assert.deepEqual(loaded.map((r) => r.name).sort(), [...generated].sort(), "Prometheus loaded exactly the generated rules");
      assert.ok(loaded.some((r) => r.type === "alerting"));
    });

    await t.test("5b. Alertmanager is up with the generated config and Prometheus sees it", async () => {
      requireUp();
      await timings.time("alertmanager seen by prometheus", () => assertAlertmanagerSeenByPrometheus(client, prometheusPort, plan.monitoring.alertmanager!));
    });

    await t.test("6. a second up with a changed spec rolls the edge one replica at a time under load, losing no request", async () => {
      requireUp();
      const dir = mkdtempSync(join(tmpdir(), "edgeform-e2e-spec-"));
      try {
        const changed = changedSpec(dir);
        const validatedChange = await validateTopologyFile(changed);
        assert.ok(validatedChange.ok, "the changed spec is valid");
        const after = planDeployment(validatedChange.topology, TARGET);
        const load = startLoad(client, edgePorts, "/", { concurrency: 4, maxRequests: 20_000, pauseMs: 5, failover: true });
        await sleep(1000);
        const mocks = dockerMocks(session.applier, { state: stack! });
        await timings.time("second up (changed spec applied as an update)", () =>
          runProgram({ program: PROGRAM, project: "edgeform", stack: TARGET, config: { "edgeform:spec": changed, "edgeform:target": TARGET }, mocks, timeoutMs: 360_000 }),
        );
        await sleep(1000);
        const result = await load.stop();
        t.diagnostic(`update steps: ${JSON.stringify(mocks.state.log)}`);
        t.diagnostic(`load during the update: ${result.sent} GETs, ${result.ok} ok, ${result.failovers.length} retried on the other edge port, served by ${JSON.stringify(Object.fromEntries(result.servedBy))}`);
        // Only the edge changed (its runtime config): each replica is deleted first (fixed name and port), one after the other.
        assert.deepEqual(mocks.state.log.map((l) => l.replace(/ \(.*$/, "")), [
          "replace docker:index/container:Container::e2e-edge-0",
          "replace docker:index/container:Container::e2e-edge-1",
        ]);
        assert.ok(mocks.state.log.every((l) => l.includes("delete first")), "fixed names and ports: delete before replace");
        const edgeCreates = mocks.registered.filter((r) => r.name.startsWith("e2e-edge-") && r.type === "docker:index/container:Container");
        assert.equal(edgeCreates.length, 2);
        assert.ok(result.sent >= 50, `the load really ran (${result.sent} requests)`);
        assert.deepEqual(result.failures.slice(0, 10), [], `${result.failures.length} of ${result.sent} requests failed`);

        const newWeb = after.fleets.find((f) => f.name === "web")!;
        assert.equal(newWeb.replicaNames.length, web.replicas + 1);
        const seen = await timings.time("the new replica serves", () => replicasServing(client, edgePorts, "/", newWeb.replicaNames, 45_000));
        assert.deepEqual([...seen].sort(), [...newWeb.replicaNames].sort(), "the added web replica serves");
        const v2 = await client.get(edgePorts[0]!, "/v2/hello");
        assert.equal(v2.status, 200);
        assert.ok(api.replicaNames.includes(replicaOf(v2) ?? ""), `the new route sends /v2/ to the api fleet: ${v2.body.slice(0, 200)}`);
        for (const replica of after.edge.replicaNames) {
          const info = await session.docker.getContainer(replica).inspect();
          assert.equal(info.State.Health?.Status, "healthy", `${replica} is healthy after the update`);
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    await t.test("7. teardown removes every container, network, volume and image and nothing remains", async () => {
      const names = [...plan.fleets.flatMap((f) => f.replicaNames), `${web.resourceName}-${web.replicas}`, ...plan.edge.replicaNames, ...plan.caches.map((c) => c.resourceName), plan.monitoring.prometheus!.resourceName, plan.monitoring.alertmanager!.resourceName];
      // Keep a dockerd this test started running until the checks below have asked it.
      const report = await timings.time("teardown", () => session.close({ keepDockerRunning: true }));
      assert.deepEqual(report.failures, []);
      assert.deepEqual(report.sweptAfterTeardown, [], "the harness's own teardown removed everything (the label sweep found nothing)");
      assert.deepEqual(report.remaining, []);
      const docker = session.docker;
      const containers = (await docker.listContainers({ all: true })).flatMap((c) => c.Names.map((n) => n.replace(/^\//, "")));
      assert.deepEqual(containers.filter((n) => names.includes(n)), [], "no container of the topology remains");
      assert.deepEqual((await docker.listNetworks()).filter((n) => n.Name === plan.network), [], `network ${plan.network} is gone`);
      const imageTags = (await docker.listImages()).flatMap((i) => i.RepoTags ?? []);
      assert.deepEqual(imageTags.filter((tag) => tag.startsWith("edgeform-e2e/") || tag.startsWith("edgeform/demo-origin:") || tag.startsWith("e2e-edge:")), [], "no e2e image remains, nor the images the stack built");
      assert.deepEqual(((await docker.listVolumes()).Volumes ?? []).filter((v) => v.Name === `${plan.monitoring.prometheus!.resourceName}-data`), [], "Prometheus's data volume is gone");
    });
  } finally {
    await client.close();
    const report = await session.close();
    await session.engine.release();
    for (const line of timings.summary()) t.diagnostic(line);
    if (report.failures.length || report.remaining.length) log(`cleanup problems: ${JSON.stringify(report)}`);
  }
});

/** The scratch image tags the e2e target points at (so the spec and the builds cannot drift apart). */
function imageTags(plan: DeploymentPlan): ScratchImageTags {
  const target = plan.target;
  assert.equal(target.provider, "docker");
  const images = target.provider === "docker" ? target.spec.images ?? {} : {};
  assert.equal(images.fleets, undefined, "the demo origin is not overridden: the stack builds it (the real docker.Image path)");
  assert.equal(images.edge, undefined, "the edge image is not overridden: the stack builds it");
  assert.ok(images.base && images.redis && images.prometheus, "the e2e target sets the Node base and overrides the redis and prometheus images");
  return { node: images.base, redis: images.redis, prometheus: images.prometheus, ...(images.alertmanager ? { alertmanager: images.alertmanager } : {}) };
}

/** examples/e2e.yaml changed the way a user changes a running stack: one more web replica, a new route, a changed proxy limit. */
function changedSpec(dir: string): string {
  const doc = parseYaml(readFileSync(SPEC, "utf8")) as Record<string, any>;
  doc["fleets"]["web"]["replicas"] += 1;
  doc["edge"]["routes"].unshift({ name: "v2", match: { pathPrefix: "/v2/" }, fleet: "api", retry: { attempts: 2, on: ["connect-failure", "reset", "timeout", "503"] } });
  doc["edge"]["limits"] = { ...(doc["edge"]["limits"] ?? {}), headerTimeout: "7s" };
  const file = join(dir, "e2e-changed.yaml");
  writeFileSync(file, stringifyYaml(doc));
  return file;
}

/** Every container of the run is running, and every one with a health check is healthy. */
async function waitHealthy(session: E2eSession, timeoutMs: number): Promise<void> {
  const filters = JSON.stringify({ label: [`${RUN_LABEL}=${session.runId}`] });
  try {
    await waitFor("every container running and healthy", timeoutMs, async () => {
      const list = await session.docker.listContainers({ all: true, filters });
      const states = await Promise.all(list.map(async (c) => {
        const info = await session.docker.getContainer(c.Id).inspect();
        return { name: info.Name.replace(/^\//, ""), running: info.State.Running, health: info.State.Health?.Status, restarts: info.RestartCount };
      }));
      // A container that exited (and was restarted by its policy) will not get healthy by waiting.
      const crashed = states.filter((s) => s.restarts > 0 || !s.running);
      if (crashed.length) throw new GiveUpError(`containers exited: ${JSON.stringify(crashed)}`);
      const bad = states.filter((s) => s.health !== undefined && s.health !== "healthy");
      if (list.length > 0 && bad.length === 0) return true;
      throw new Error(JSON.stringify(bad));
    }, 500);
  } catch (err) {
    // The logs of the containers that are not fine say why.
    const list = await session.docker.listContainers({ all: true, filters });
    const inspected = await Promise.all(list.map(async (c) => ({ c, info: await session.docker.getContainer(c.Id).inspect() })));
    // Not running, not healthy, or running again after a crash (its restart policy hides the exit).
    const troubled = inspected.filter(({ c, info }) => c.State !== "running" || info.RestartCount > 0 || !/\(healthy\)|^Up [^(]*$/.test(c.Status)).map(({ c }) => c);
    const logs = await Promise.all(troubled.map(async (c) => `--- ${c.Names[0]} (${c.Status})\n${await logsTail(session.docker.getContainer(c.Id), 15)}`));
    throw new Error(`${(err as Error).message}\n${logs.join("\n")}`);
  }
}

/** GETs `path` over the edge ports until every replica in `expected` has answered. */
async function replicasServing(client: LoopbackClient, ports: number[], path: string, expected: string[], timeoutMs: number): Promise<Set<string>> {
  const seen = new Set<string>();
  let i = 0;
  return waitFor(`${expected.join(", ")} to serve ${path}`, timeoutMs, async () => {
    for (let n = 0; n < expected.length * 4; n++) {
      const reply = await client.get(ports[i++ % ports.length]!, path);
      if (reply.status !== 200) throw new Error(`HTTP ${reply.status}: ${reply.body.slice(0, 200)}`);
      const replica = replicaOf(reply);
      if (replica) seen.add(replica);
    }
    if (expected.every((r) => seen.has(r))) return seen;
    throw new Error(`seen so far: ${[...seen].join(", ") || "none"}`);
  }, 200);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
