/**
 * Scenarios for HTTPS on the Docker target: a spec written at run time into
 * a temporary directory, with certificates issued from a private CA (no
 * private key is committed). The site's certificate and the fleet's CA and
 * client certificate are `{ file }` references relative to the spec; the
 * site's key is a Pulumi secret. The PEMs come back in the outputs so the
 * tests can look for them in the recorded graph.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { CdnTopology } from "../../../components/topology.js";
import { createCertificateAuthority, issueCertificate } from "../../../src/dev/certificates.js";
import { validateTopology } from "../../../src/spec/validate.js";
import type { Scenario } from "./scenarios.js";

export const HTTPS_SPEC = {
  version: 1,
  name: "tls",
  fleets: {
    web: { image: "edgeform/demo-origin:0.1.0", port: 8080, replicas: 1 },
    legacy: { endpoints: ["legacy.example.com:443"], tls: { ca: { file: "certs/origin-ca.pem" }, clientCertificate: { cert: { file: "certs/client.pem" }, key: { file: "certs/client.key" } } } },
  },
  edge: {
    replicas: 2,
    listeners: [
      { name: "web", protocol: "http", port: 8080, redirectToHttps: "websecure" },
      { name: "websecure", protocol: "https", port: 8443, tls: { certificates: [{ cert: { file: "certs/site.pem" }, key: { secret: "siteKey" } }] } },
    ],
    routes: [{ match: { pathPrefix: "/old/" }, fleet: "legacy" }, { match: { pathPrefix: "/" }, fleet: "web" }],
  },
  targets: { local: { provider: "docker" } },
};

interface Materials {
  dir: string;
  siteCert: string;
  siteKey: string;
  originCa: string;
  clientCert: string;
  clientKey: string;
}

async function writeSpec(): Promise<Materials> {
  const dir = mkdtempSync(join(tmpdir(), "edgeform-https-scenario-"));
  mkdirSync(join(dir, "certs"));
  const ca = await createCertificateAuthority("edgeform scenario CA");
  const site = await issueCertificate(ca, { names: ["localhost", "127.0.0.1"] });
  const client = await issueCertificate(ca, { names: ["edge.tls.internal"], usage: "client" });
  writeFileSync(join(dir, "certs", "site.pem"), site.certPem);
  writeFileSync(join(dir, "certs", "origin-ca.pem"), ca.certPem);
  writeFileSync(join(dir, "certs", "client.pem"), client.certPem);
  writeFileSync(join(dir, "certs", "client.key"), client.keyPem, { mode: 0o600 });
  writeFileSync(join(dir, "tls.yaml"), stringify(HTTPS_SPEC));
  return { dir, siteCert: site.certPem, siteKey: site.keyPem, originCa: ca.certPem, clientCert: client.certPem, clientKey: client.keyPem };
}

function load(m: Materials) {
  const file = join(m.dir, "tls.yaml");
  const result = validateTopology(stringify(HTTPS_SPEC), { filename: file });
  if (!result.ok) throw new Error(`the https scenario spec is invalid: ${result.diagnostics.map((d) => d.message).join("; ")}`);
  return result.topology;
}

/** Runs `program` with the spec and its certificates on disk, removing them afterwards (components read files at construction). */
async function withSpec(program: (m: Materials) => object): Promise<object> {
  const m = await writeSpec();
  try {
    return program(m);
  } finally {
    rmSync(m.dir, { recursive: true, force: true });
  }
}

export const httpsScenarios: Record<string, Scenario> = {
  "topology-docker-https": {
    program: () => withSpec((m) => {
      // The key as a plain string: CdnTopology must still treat it as a secret.
      const t = new CdnTopology("tls", { spec: load(m), target: "local", specDir: m.dir, secrets: { siteKey: m.siteKey } });
      return { publicUrls: t.publicUrls, pems: { siteCert: m.siteCert, siteKey: m.siteKey, originCa: m.originCa, clientCert: m.clientCert, clientKey: m.clientKey } };
    }),
  },
  "topology-docker-https-missing-file": {
    program: () => withSpec((m) => {
      const topology = load(m);
      // Valid when checked, gone when deployed.
      rmSync(join(m.dir, "certs", "site.pem"));
      new CdnTopology("tls", { spec: topology, target: "local", specDir: m.dir, secrets: { siteKey: m.siteKey } });
      return {};
    }),
  },
  "topology-docker-https-missing-secret": {
    program: () => withSpec((m) => {
      new CdnTopology("tls", { spec: load(m), target: "local", specDir: m.dir });
      return {};
    }),
  },
};
