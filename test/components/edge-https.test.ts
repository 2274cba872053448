/**
 * HTTPS on the Docker target under Pulumi's mocks: every certificate, key and
 * CA of the spec reaches the edge containers as an uploaded file whose
 * content is a secret Output, keys readable by the proxy's user only; the
 * runtime config names the in-container paths, never PEM text; the https
 * port is published; nothing of the key shows in the environment, a label or
 * any plain input.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import { EDGE_CONTAINER_USER } from "../../components/shared/paths.js";
import { createCertificateAuthority, issueCertificate } from "../../src/dev/certificates.js";
import type { ProxyRuntimeConfig } from "../../src/plan/proxy-config.js";
import { edgeform } from "./support/cli.js";
import { HTTPS_SPEC } from "./support/https-scenarios.js";
import { Graph, T, plainOccurrences, runScenarios, unsecret, type ScenarioResult } from "./support/run.js";

let results: Map<string, ScenarioResult>;
before(async () => {
  results = await runScenarios([
    ["topology-docker-https", "preview"], ["topology-docker-https", "update"],
    ["topology-docker-https-missing-file", "preview"], ["topology-docker-https-missing-secret", "preview"],
  ]);
});

interface Upload { file: string; content: string; permissions?: string; owner?: string; group?: string }

/** The uploads of a container: the whole list is one secret input (Pulumi cannot hide one element of a list). */
function uploadsOf(c: { inputs: { uploads: unknown } }): Upload[] {
  assert.ok(c.inputs.uploads !== null && typeof c.inputs.uploads === "object" && "$secret" in c.inputs.uploads, "the uploads are a secret input");
  return unsecret(c.inputs.uploads) as Upload[];
}
type Pems = Record<"siteCert" | "siteKey" | "originCa" | "clientCert" | "clientKey", string>;

const TLS_DIR = "/etc/edgeform/tls";

for (const mode of ["preview", "update"] as const) {
  describe(`CdnTopology on Docker with an https listener (${mode})`, () => {
    const result = () => results.get(`topology-docker-https/${mode}`)!;
    const g = () => new Graph(result());
    const pems = () => result().outputs["pems"] as Pems;
    const edges = () => g().ofType(T.container).filter((c) => c.parent === `${T.edge}::tls-edge`);

    test("each edge replica gets every certificate, key and CA as a secret upload, keys 0400 and certificates 0444, owned by the proxy's user", () => {
      const p = pems();
      assert.equal(edges().length, 2);
      for (const c of edges()) {
        const tls = uploadsOf(c).filter((u) => u.file.startsWith(`${TLS_DIR}/`));
        assert.deepEqual(tls.map((u) => [u.file, u.permissions, u.owner, u.group]), [
          [`${TLS_DIR}/listeners/websecure/0-cert.pem`, "0444", "1000", "1000"],
          [`${TLS_DIR}/listeners/websecure/0-key.pem`, "0400", "1000", "1000"],
          [`${TLS_DIR}/fleets/legacy/ca.pem`, "0444", "1000", "1000"],
          [`${TLS_DIR}/fleets/legacy/client-cert.pem`, "0444", "1000", "1000"],
          [`${TLS_DIR}/fleets/legacy/client-key.pem`, "0400", "1000", "1000"],
        ]);
        assert.deepEqual(tls.map((u) => u.content), [p.siteCert, p.siteKey, p.originCa, p.clientCert, p.clientKey],
          "file references are read from the spec's directory, the key from the Pulumi secret");
      }
    });

    test("the uploads' owner is the user images/edge-proxy.Dockerfile runs as", () => {
      const dockerfile = readFileSync(fileURLToPath(new URL("../../../images/edge-proxy.Dockerfile", import.meta.url)), "utf8");
      assert.match(dockerfile, new RegExp(`^USER ${EDGE_CONTAINER_USER.uid}:${EDGE_CONTAINER_USER.gid}$`, "m"));
    });

    test("the runtime config points at the in-container paths and holds no PEM", () => {
      for (const c of edges()) {
        const text = uploadsOf(c).find((u) => u.file === "/etc/edgeform/proxy.json")!.content;
        assert.doesNotMatch(text, /BEGIN|EDGEFORM_SECRET_SITEKEY/);
        const config = JSON.parse(text) as ProxyRuntimeConfig;
        const websecure = config.listeners.find((l) => l.name === "websecure")!;
        assert.ok(websecure.protocol === "http" && websecure.tls);
        assert.deepEqual(websecure.tls.certificates, [{ cert: { file: `${TLS_DIR}/listeners/websecure/0-cert.pem` }, key: { file: `${TLS_DIR}/listeners/websecure/0-key.pem` } }]);
        assert.deepEqual(config.clusters.find((x) => x.name === "legacy")!.tls, {
          verify: true,
          ca: { file: `${TLS_DIR}/fleets/legacy/ca.pem` },
          clientCertificate: { cert: { file: `${TLS_DIR}/fleets/legacy/client-cert.pem` }, key: { file: `${TLS_DIR}/fleets/legacy/client-key.pem` } },
        });
        const web = config.listeners.find((l) => l.name === "web")!;
        assert.ok(web.protocol === "http");
        assert.deepEqual(web.redirectToHttps, { port: 8443 }, "the redirect names the published https port of replica 0");
      }
    });

    test("the https port is published on 127.0.0.1 for each replica, and the public URLs say https", () => {
      assert.deepEqual(edges().map((c) => c.inputs.ports), [0, 1].map((i) => [
        { internal: 8080, external: 8080 + i, ip: "127.0.0.1", protocol: "tcp" },
        { internal: 8443, external: 8443 + i, ip: "127.0.0.1", protocol: "tcp" },
      ]));
      if (mode === "update") assert.deepEqual(result().outputs["publicUrls"], ["http://127.0.0.1:8080", "http://127.0.0.1:8081", "https://127.0.0.1:8443", "https://127.0.0.1:8444"]);
    });

    test("no PEM in the environment or a label, and no key in any plain input anywhere in the graph", () => {
      const p = pems();
      for (const c of edges()) {
        const envs = JSON.stringify(unsecret(c.inputs.envs ?? []));
        assert.doesNotMatch(envs, /BEGIN|EDGEFORM_SECRET_SITEKEY/, "TLS material never enters the environment");
        assert.doesNotMatch(JSON.stringify(c.inputs.labels ?? {}), /BEGIN/);
      }
      const inputs = g().resources.map((r) => r.inputs);
      for (const key of [p.siteKey, p.clientKey]) assert.deepEqual(plainOccurrences(inputs, key.trim().split("\n")[1]!), []);
    });

    test("replicas still start after the fleets they route to, one after the other", () => {
      const graph = g();
      const [first, second] = edges() as [ReturnType<typeof edges>[number], ReturnType<typeof edges>[number]];
      assert.ok(graph.dependsOn(first).some((d) => d.type === T.fleet && d.name === "tls-fleet-web"), JSON.stringify(first.dependsOn));
      assert.ok(graph.dependsOn(second).includes(first), "replica 1 waits for replica 0");
      assert.equal(first.deleteBeforeReplace, true);
    });
  });
}

test("a certificate file that is gone at deploy time fails with EF_PULUMI_TLS_FILE naming the file and the container path", () => {
  const error = results.get("topology-docker-https-missing-file/preview")!.error;
  assert.equal(error?.code, "EF_PULUMI_TLS_FILE", JSON.stringify(error));
  assert.match(error.message, /certs\/site\.pem.*\/etc\/edgeform\/tls\/listeners\/websecure\/0-cert\.pem: ENOENT/);
  assert.match(error.hint ?? "", /relative to the spec file/);
});

test("a key secret that is not set fails with EF_PULUMI_SECRET_MISSING naming it", () => {
  const error = results.get("topology-docker-https-missing-secret/preview")!.error;
  assert.equal(error?.code, "EF_PULUMI_SECRET_MISSING", JSON.stringify(error));
  assert.match(error.message, /"siteKey"/);
});

test("edgeform preview (offline) masks keys read from spec files: no PEM of a key is printed", async () => {
  const dir = mkdtempSync(join(tmpdir(), "edgeform-https-preview-"));
  try {
    mkdirSync(join(dir, "certs"));
    const ca = await createCertificateAuthority("edgeform preview CA");
    const site = await issueCertificate(ca, { names: ["localhost"] });
    const client = await issueCertificate(ca, { names: ["edge.tls.internal"], usage: "client" });
    for (const [name, pem] of [["site.pem", site.certPem], ["site.key", site.keyPem], ["origin-ca.pem", ca.certPem], ["client.pem", client.certPem], ["client.key", client.keyPem]] as const) {
      writeFileSync(join(dir, "certs", name), pem);
    }
    const spec = structuredClone(HTTPS_SPEC);
    spec.edge.listeners[1]!.tls!.certificates[0]!.key = { file: "certs/site.key" } as never;
    writeFileSync(join(dir, "tls.yaml"), stringify(spec));
    const run = await edgeform(["preview", join(dir, "tls.yaml"), "--target", "local", "--format", "json"]);
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout) as { resources: Array<{ name: string; inputs: { uploads?: Upload[] } }> };
    const edge = report.resources.find((r) => r.name === "tls-edge-0")!;
    const key = edge.inputs.uploads!.find((u) => u.file === `${TLS_DIR}/fleets/legacy/client-key.pem`)!;
    assert.equal(key.content, "[secret]");
    assert.equal(key.permissions, "0400", "the rest of the upload stays visible for review");
    for (const pem of [site.keyPem, client.keyPem]) assert.ok(!run.stdout.includes(pem.trim().split("\n")[1]!), "no line of a private key is printed");
    assert.doesNotMatch(run.stdout, /PRIVATE KEY/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
