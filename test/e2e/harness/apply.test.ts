/**
 * The harness against a real engine, with a small program: every resource
 * type it translates is applied, the outputs handed between resources are
 * the engine's real ids, and closing the session leaves nothing behind.
 */
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { binaryEntries } from "../images/host-binaries.js";
import { findExecutable } from "../../support/docker.js";
import { freePort } from "../../support/net.js";
import { dockerMocks } from "./mocks.js";
import { runProgram } from "./run-program.js";
import { E2eSession } from "./session.js";
import { RUN_LABEL } from "./run-label.js";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..", "..", "..");

test("the harness applies a program's Docker resources to the engine and removes them all", { timeout: 240_000 }, async () => {
  const session = await E2eSession.open({ cwd: root, log: (l) => process.stderr.write(`[harness] ${l}\n`) });
  const context = mkdtempSync(join(tmpdir(), "edgeform-harness-ctx-"));
  let closed = false;
  try {
    writeRedisContext(context);
    const publishPort = await freePort();
    const mocks = dockerMocks(session.applier);
    const outputs = await runProgram({
      program: join(here, "fixtures", "redis-pair.js"),
      project: "edgeform",
      stack: "harness",
      config: {
        "fixture:context": context,
        "fixture:publishPort": String(publishPort),
        "fixture:imageName": `edgeform-e2e/harness-redis:${session.runId}`,
        "fixture:primaryName": `harness-primary-${session.runId}`,
      },
      mocks,
      timeoutMs: 180_000,
    });
    const docker = session.docker;

    // Outputs are the engine's own ids and names.
    const network = await docker.getNetwork(String(outputs["networkId"])).inspect();
    assert.equal(network.Name, outputs["networkName"]);
    assert.match(network.Name, /^net-[0-9a-f]{7}$/, "an unnamed network gets a Pulumi-style auto-name");
    assert.equal(network.Labels?.["fixture"], "net");
    assert.equal(network.Labels?.[RUN_LABEL], session.runId);

    const image = await docker.getImage(String(outputs["imageId"])).inspect();
    assert.ok(image.Config.Env.includes("GREETING=hello-from-build-arg"), "build args reach the build");

    const primary = await docker.getContainer(String(outputs["primaryId"])).inspect();
    assert.equal(primary.Name, `/harness-primary-${session.runId}`);
    assert.equal(primary.State.Health?.Status, "healthy");
    assert.equal(primary.HostConfig.RestartPolicy?.Name, "unless-stopped");
    assert.ok(primary.Config.Env.includes("ROLE=primary"));
    assert.equal(primary.Config.Labels["fixture"], "primary");
    assert.deepEqual(Object.keys(primary.NetworkSettings.Networks), [network.Name], "attached only to the program's network");
    assert.deepEqual(primary.NetworkSettings.Networks[network.Name]?.Aliases?.includes("cache"), true);
    assert.deepEqual(primary.Mounts.map((m) => [m.Type, m.Destination]), [["volume", "/data"]]);

    const networks = outputs["primaryNetworks"] as Array<{ networkName: string; ipAddress: string }>;
    assert.equal(networks[0]?.networkName, network.Name);
    assert.match(networks[0]?.ipAddress ?? "", /^\d+\.\d+\.\d+\.\d+$/);

    // The probe is healthy only if it reached "cache:6380": the alias and the uploaded config both work.
    const probe = await docker.getContainer(String(outputs["probeName"])).inspect();
    assert.equal(probe.State.Health?.Status, "healthy");

    assert.equal(await redisPing(publishPort), "+PONG", "the published port answers on 127.0.0.1");
    assert.deepEqual(
      mocks.registered.filter((r) => r.custom).map((r) => r.type).sort(),
      ["docker:index/container:Container", "docker:index/container:Container", "docker:index/image:Image", "docker:index/network:Network", "docker:index/volume:Volume"],
    );

    // Keep a dockerd this test started running until the checks below have asked it.
    const report = await session.close({ keepDockerRunning: true });
    closed = true;
    try {
      assert.deepEqual(report.failures, []);
      assert.deepEqual(report.sweptAfterTeardown, [], "teardown alone removed everything");
      assert.deepEqual(report.remaining, []);
      await assert.rejects(docker.getNetwork(network.Id).inspect(), (e: { statusCode?: number }) => e.statusCode === 404);
      await assert.rejects(docker.getImage(image.Id).inspect(), (e: { statusCode?: number }) => e.statusCode === 404);
      await assert.rejects(docker.getContainer(String(outputs["primaryId"])).inspect(), (e: { statusCode?: number }) => e.statusCode === 404);
    } finally {
      await session.engine.release();
    }
  } finally {
    if (!closed) await session.close();
    rmSync(context, { recursive: true, force: true });
  }
});

/** A build context holding Debian's redis-server and redis-cli with their libraries. */
function writeRedisContext(dir: string): void {
  const entries = [
    ...binaryEntries(findExecutable("redis-server", ["/usr/bin"])!, "/usr/local/bin/redis-server"),
    ...binaryEntries(findExecutable("redis-cli", ["/usr/bin"])!, "/usr/local/bin/redis-cli"),
  ];
  for (const e of entries) {
    const target = join(dir, "rootfs", e.name);
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(e.source!, target);
  }
  mkdirSync(join(dir, "rootfs", "data"), { recursive: true });
  writeFileSync(
    join(dir, "Dockerfile"),
    "FROM scratch\nARG GREETING\nCOPY rootfs/ /\nENV PATH=/usr/local/bin GREETING=${GREETING}\nWORKDIR /data\n",
  );
}

function redisPing(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.write("PING\r\n"));
    socket.setTimeout(5000, () => socket.destroy(new Error("redis PING timed out")));
    socket.once("data", (d) => {
      resolve(d.toString().trim());
      socket.end();
    });
    socket.once("error", reject);
  });
}
