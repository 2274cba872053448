/**
 * The images build wherever edgeform is installed: `npm pack` the project,
 * install the tarball into a fresh consumer project (npm hoists the
 * dependencies to the consumer's node_modules), and on the real engine build
 * the edge proxy and demo origin images from the installed package exactly
 * as the components ask for them (context: the package root they resolve;
 * BASE_IMAGE: a Node 22 image built FROM scratch, since no registry is
 * reachable). Then a request goes through that edge to that origin.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { planDeployment } from "../../src/plan/index.js";
import { validateTopology } from "../../src/spec/index.js";
import { E2eSession } from "./harness/session.js";
import { buildNodeBaseImage } from "./images/scratch-images.js";
import { LoopbackClient, replicaOf, waitFor } from "./traffic.js";

const run = promisify(execFile);
const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const PORT = 18490;
const NODE_BASE = "edgeform-e2e-pack/node22:local";

const SPEC = `version: 1
name: packed
fleets:
  web: { image: "edgeform/demo-origin:0.1.0", port: 8080, healthCheck: { path: /healthz, interval: 1s, timeout: 500ms } }
edge:
  replicas: 1
  listeners: [{ name: web, protocol: http, port: 8080 }]
  routes: [{ name: all, match: { pathPrefix: / }, fleet: web }]
targets:
  local: { provider: docker, publishPort: ${PORT} }
`;

interface InstalledPaths {
  packageRoot(): string;
  imagesDir(): string;
  PROXY_COMMAND: string[];
  PROXY_CONFIG_PATH: string;
}

test("npm pack → npm install in a fresh project → the images build from the installed package and serve a request", { timeout: 600_000 }, async (t) => {
  const log = (line: string) => process.stderr.write(`[pack] ${line}\n`);
  const work = mkdtempSync(join(tmpdir(), "edgeform-pack-"));
  const session = await E2eSession.open({ cwd: work, log, lockTimeoutMs: 5 * 60_000 });
  const client = new LoopbackClient();
  const timings: string[] = [];
  const timed = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    const t0 = Date.now();
    try {
      return await fn();
    } finally {
      timings.push(`${what}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
  };
  try {
    // --ignore-scripts: dist/ is built already (npm test builds first); `prepare` would rebuild it under the other tests.
    const packed = await timed("npm pack", () => run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", work], { cwd: root, maxBuffer: 64 * 1024 * 1024 }));
    const tarball = join(work, (JSON.parse(packed.stdout) as Array<{ filename: string }>)[0]!.filename);
    const consumer = join(work, "consumer");
    mkdirSync(consumer);
    writeFileSync(join(consumer, "package.json"), JSON.stringify({ name: "consumer", version: "1.0.0", private: true, type: "module" }, null, 2));
    await timed("npm install (from the npm cache)", () =>
      run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts", tarball], { cwd: consumer, maxBuffer: 64 * 1024 * 1024 }),
    );

    const installed = join(consumer, "node_modules", "edgeform");
    assert.ok(existsSync(join(consumer, "node_modules", "@pulumi", "pulumi", "package.json")), "the Pulumi SDK is hoisted into the consumer's node_modules");
    for (const dep of ["undici", "pino", "ioredis", "prom-client", "yaml"]) {
      assert.ok(existsSync(join(installed, "node_modules", dep, "package.json")), `${dep} stays inside the installed package (bundled), where the image copies it from`);
    }
    const paths = (await import(pathToFileURL(join(installed, "dist", "components", "shared", "paths.js")).href)) as InstalledPaths;
    assert.equal(realpathSync(paths.packageRoot()), realpathSync(installed), "the components build from the installed package");

    await timed("Node 22 base FROM scratch", () => buildNodeBaseImage(session.docker, { root, tag: NODE_BASE, labels: session.labels }));
    session.defer(async () => {
      await session.docker.getImage(NODE_BASE).remove({ force: true }).catch(() => {});
      return [];
    });
    // The inputs components/shared/docker-image.ts gives docker.Image, pointed at the installed package.
    const image = (dockerfile: string, imageName: string) => ({
      imageName,
      build: { context: paths.packageRoot(), dockerfile: join(paths.imagesDir(), dockerfile), args: { BASE_IMAGE: NODE_BASE } },
      skipPush: true,
    });
    const [edgeImage, originImage] = await timed("edge and demo origin images built from the installed package", () =>
      Promise.all([session.applier.image(image("edge-proxy.Dockerfile", "edgeform-e2e-pack/edge:local")), session.applier.image(image("demo-origin.Dockerfile", "edgeform/demo-origin:0.1.0"))]),
    );

    const validated = validateTopology(SPEC, { filename: "packed.yaml" });
    assert.ok(validated.ok, JSON.stringify(validated.diagnostics));
    const plan = planDeployment(validated.topology, "local");
    const fleet = plan.fleets[0]!;
    const network = await session.applier.network("packed-net", { name: plan.network, driver: "bridge" });
    await timed("origin and edge containers healthy", async () => {
      await session.applier.container("packed-origin", {
        name: fleet.replicaNames[0],
        image: originImage.id,
        envs: [`PORT=${fleet.port}`, `EDGEFORM_REPLICA=${fleet.replicaNames[0]}`],
        networksAdvanced: [{ name: network.state["name"], aliases: [fleet.serviceHost] }],
      });
      await session.applier.container("packed-edge", {
        name: plan.edge.replicaNames[0],
        image: edgeImage.id,
        command: paths.PROXY_COMMAND,
        uploads: [{ file: paths.PROXY_CONFIG_PATH, content: JSON.stringify(plan.proxyConfig) }],
        ports: [{ internal: 8080, external: PORT, ip: "127.0.0.1", protocol: "tcp" }],
        networksAdvanced: [{ name: network.state["name"], aliases: [plan.edge.resourceName] }],
        healthcheck: { tests: ["CMD", "node", "-e", `fetch('http://127.0.0.1:${plan.edge.adminPort}/readyz').then(r=>process.exit(r.status<400?0:1),()=>process.exit(1))`], interval: "1s", timeout: "2s", retries: 30 },
        wait: true,
        waitTimeout: 60,
      });
    });
    const reply = await waitFor("a request through the packed edge", 30_000, async () => {
      const r = await client.get(PORT, "/");
      if (r.status === 200) return r;
      throw new Error(`HTTP ${r.status}: ${r.body.slice(0, 200)}`);
    }, 250);
    assert.equal(replicaOf(reply), fleet.replicaNames[0], "the demo origin built from the installed package answered through the edge built from it");
  } finally {
    await client.close();
    const report = await session.close();
    await session.engine.release();
    rmSync(work, { recursive: true, force: true });
    for (const line of timings) t.diagnostic(line);
    assert.deepEqual(report.failures, [], "teardown removed everything it created");
    assert.deepEqual(report.remaining, [], "nothing labelled by this run remains");
  }
});
