/**
 * HTTPS on a real Docker engine: a spec with an https listener whose
 * certificate (issued here from a private CA) is a spec `{ file }` and whose
 * key is a Pulumi config secret goes through the real stacks/ program under
 * the mocks that apply every Docker resource (test/e2e/harness). Then
 * node:tls and `curl --cacert` get the page over the published port on
 * 127.0.0.1, the key file inside the container is 0400 and owned by the
 * proxy's user, and `docker inspect` shows no PEM in the environment or the
 * labels.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import https from "node:https";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type Docker from "dockerode";
import { stringify } from "yaml";
import { createCertificateAuthority, issueCertificate } from "../../src/dev/certificates.js";
import { planDeployment } from "../../src/plan/index.js";
import { validateTopologyFile } from "../../src/spec/index.js";
import { demuxLogs, logsTail } from "./harness/container-logs.js";
import { dockerMocks } from "./harness/mocks.js";
import { runProgram } from "./harness/run-program.js";
import { E2eSession } from "./harness/session.js";
import { buildNodeBaseImage } from "./images/scratch-images.js";
import { waitFor } from "./traffic.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const PROGRAM = join(root, "dist", "stacks", "index.js");
const TARGET = "e2e";
const NODE_BASE = "edgeform-e2e/node22-https:local";
const HTTPS_PORT = 18643;
const KEY_PATH = "/etc/edgeform/tls/listeners/websecure/0-key.pem";

const spec = {
  version: 1,
  name: "e2etls",
  fleets: {
    web: {
      image: "edgeform/demo-origin:0.1.0",
      port: 8080,
      replicas: 1,
      healthCheck: { path: "/healthz", interval: "1s", timeout: "900ms", healthyThreshold: 1, unhealthyThreshold: 2 },
      dev: { command: "edgeform origin" },
    },
  },
  edge: {
    replicas: 1,
    listeners: [{ name: "websecure", protocol: "https", port: HTTPS_PORT, tls: { certificates: [{ cert: { file: "certs/site.pem" }, key: { secret: "siteKey" } }] } }],
    routes: [{ match: { pathPrefix: "/" }, fleet: "web" }],
  },
  targets: { [TARGET]: { provider: "docker", healthTimeout: "60s", images: { base: NODE_BASE } } },
};

test("an https listener on Docker serves with its certificate from a spec file and its key from a Pulumi secret, uploaded as files", { timeout: 600_000 }, async (t) => {
  const log = (line: string) => process.stderr.write(`[e2e-https] ${line}\n`);
  const dir = mkdtempSync(join(tmpdir(), "edgeform-e2e-https-"));
  const session = await E2eSession.open({ cwd: root, log, lockTimeoutMs: 5 * 60_000 });
  try {
    mkdirSync(join(dir, "certs"));
    const ca = await createCertificateAuthority("edgeform e2e CA");
    const site = await issueCertificate(ca, { names: ["localhost", "127.0.0.1"] });
    writeFileSync(join(dir, "certs", "site.pem"), site.certPem);
    writeFileSync(join(dir, "ca.pem"), ca.certPem);
    const specFile = join(dir, "e2etls.yaml");
    writeFileSync(specFile, stringify(spec));
    const validated = await validateTopologyFile(specFile);
    assert.ok(validated.ok, JSON.stringify(validated.diagnostics));
    assert.deepEqual(validated.diagnostics.filter((d) => d.code === "EF_SPEC_TARGET"), [], "no warning that https cannot work on docker");
    const plan = planDeployment(validated.topology, TARGET);
    assert.deepEqual(plan.edge.listeners[0]!.publishedPorts, [HTTPS_PORT]);

    await buildNodeBaseImage(session.docker, { root, tag: NODE_BASE, labels: session.labels });
    session.defer(async () => removeImage(session.docker, NODE_BASE));

    const mocks = dockerMocks(session.applier);
    const started = Date.now();
    const outputs = await runProgram({
      program: PROGRAM,
      project: "edgeform",
      stack: TARGET,
      config: { "edgeform:spec": specFile, "edgeform:target": TARGET, "edgeform:siteKey": site.keyPem },
      mocks,
      timeoutMs: 360_000,
    });
    t.diagnostic(`stack up in ${Date.now() - started} ms; outputs ${JSON.stringify(outputs)}`);
    assert.deepEqual(outputs["publicUrls"], [`https://127.0.0.1:${HTTPS_PORT}`]);
    const edge = session.docker.getContainer(plan.edge.replicaNames[0]!);

    await t.test("node:tls trusting the private CA gets the page through the published port", async () => {
      const reply = await waitFor("the https listener to answer", 60_000, () => httpsGet(HTTPS_PORT, ca.certPem), 500).catch(async (err: Error) => {
        throw new Error(`${err.message}\n--- edge logs\n${await logsTail(edge, 20)}`);
      });
      assert.equal(reply.status, 200);
      assert.equal(reply.peerSubjectAltName, "DNS:localhost, IP Address:127.0.0.1", "the certificate served is the one from the spec's file");
      assert.match(reply.body, /"replica":\s*"e2etls-web-0"/, "the demo origin answered behind the edge");
    });

    await t.test("curl --cacert verifies the edge and gets the page", async () => {
      const { stdout } = await promisify(execFile)("curl", ["--silent", "--show-error", "--fail", "--max-time", "10", "--cacert", join(dir, "ca.pem"),
        "--resolve", `localhost:${HTTPS_PORT}:127.0.0.1`, `https://localhost:${HTTPS_PORT}/`]);
      assert.match(stdout, /e2etls-web-0/);
    });

    await t.test("the key is a file only the proxy's user can read; docker inspect shows no PEM in the environment or labels", async () => {
      const info = await edge.inspect();
      const env = (info.Config.Env ?? []).join("\n");
      assert.doesNotMatch(env, /BEGIN|PRIVATE KEY|EDGEFORM_SECRET_SITEKEY/);
      assert.ok(!env.includes(site.keyPem.split("\n")[1]!), "no line of the key is in the environment");
      assert.doesNotMatch(JSON.stringify(info.Config.Labels ?? {}), /BEGIN/);
      const stat = JSON.parse(await execIn(edge, ["node", "-e", `const s=require("fs").statSync(${JSON.stringify(KEY_PATH)});console.log(JSON.stringify({mode:s.mode&0o777,uid:s.uid,gid:s.gid}))`]));
      assert.deepEqual(stat, { mode: 0o400, uid: 1000, gid: 1000 });
    });
  } finally {
    const report = await session.close();
    await session.engine.release();
    rmSync(dir, { recursive: true, force: true });
    assert.deepEqual(report.failures, []);
    assert.deepEqual(report.remaining, [], "teardown left nothing of the run behind");
  }
});

interface HttpsReply {
  status: number;
  body: string;
  peerSubjectAltName: string | undefined;
}

function httpsGet(port: number, ca: string): Promise<HttpsReply> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: "127.0.0.1", port, path: "/", servername: "localhost", headers: { host: "localhost" }, ca, agent: false }, (res) => {
      const peer = (res.socket as import("node:tls").TLSSocket).getPeerCertificate();
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString("utf8"), peerSubjectAltName: peer.subjectaltname }));
      res.on("error", reject);
    });
    req.setTimeout(10_000, () => req.destroy(new Error("client timeout")));
    req.on("error", reject);
    req.end();
  });
}

/** Runs a command in the container (as its own user) and returns its stdout. */
async function execIn(container: Docker.Container, cmd: string[]): Promise<string> {
  const exec = await container.exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({});
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("end", resolve);
    stream.on("error", reject);
  });
  const { ExitCode } = await exec.inspect();
  const out = demuxLogs(Buffer.concat(chunks)).trim();
  if (ExitCode !== 0) throw new Error(`${cmd.join(" ")} exited ${ExitCode}: ${out}`);
  return out;
}

async function removeImage(docker: Docker, tag: string): Promise<string[]> {
  try {
    await docker.getImage(tag).remove({ force: true });
    return [];
  } catch (err) {
    return (err as { statusCode?: number }).statusCode === 404 ? [] : [`image ${tag}: ${(err as Error).message}`];
  }
}
