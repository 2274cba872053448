/**
 * TLS in the spec: what validate checks of certificate files (generated here,
 * so no private key is committed) and what plan puts in the runtime config.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { stringify } from "yaml";
import { createCertificateAuthority, issueCertificate, type CertificateAuthority } from "../../src/dev/certificates.js";
import { planDeployment } from "../../src/plan/plan.js";
import { validateTopologyFile, type Diagnostic } from "../../src/spec/index.js";

const DAY = 86_400_000;
let dir: string;
let ca: CertificateAuthority;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "edgeform-spec-tls-"));
  mkdirSync(join(dir, "certs"));
  ca = await createCertificateAuthority("edgeform spec test CA");
  const write = async (name: string, names: string[], dates: { notBefore?: Date; notAfter?: Date } = {}) => {
    const leaf = await issueCertificate(ca, { names, ...dates });
    writeFileSync(join(dir, "certs", `${name}.pem`), leaf.certPem);
    writeFileSync(join(dir, "certs", `${name}.key`), leaf.keyPem);
  };
  await write("shop", ["shop.example.com", "*.shop.example.com"]);
  await write("other", ["other.example.com"]);
  await write("expired", ["shop.example.com"], { notBefore: new Date(Date.now() - 90 * DAY), notAfter: new Date(Date.now() - DAY) });
  await write("soon", ["shop.example.com"], { notAfter: new Date(Date.now() + 10 * DAY) });
  writeFileSync(join(dir, "certs", "ca.pem"), ca.certPem);
});

after(() => rmSync(dir, { recursive: true, force: true }));

function spec(listenerTls: unknown, extra: { routes?: unknown[]; fleetTls?: unknown } = {}) {
  return {
    version: 1,
    name: "shop",
    fleets: { api: { endpoints: ["127.0.0.1:9000"], ...(extra.fleetTls ? { tls: extra.fleetTls } : {}) } },
    edge: {
      listeners: [
        { name: "web", protocol: "http", port: 8080, redirectToHttps: "websecure" },
        { name: "websecure", protocol: "https", port: 8443, tls: listenerTls },
      ],
      routes: extra.routes ?? [{ match: { host: "shop.example.com", pathPrefix: "/" }, fleet: "api" }],
    },
  };
}

async function validate(doc: unknown): Promise<{ ok: boolean; diagnostics: Diagnostic[]; source: string }> {
  const file = join(dir, `spec-${Math.random().toString(36).slice(2)}.yaml`);
  const source = stringify(doc);
  writeFileSync(file, source);
  const r = await validateTopologyFile(file);
  return { ok: r.ok, diagnostics: r.diagnostics, source };
}

const pair = (name: string) => ({ cert: { file: `certs/${name}.pem` }, key: { file: `certs/${name}.key` } });

/** The text of the source at a diagnostic's start (to prove file:line:col points at the right value). */
function textAt(source: string, d: Diagnostic): string {
  const line = source.split("\n")[d.range!.start.line - 1]!;
  return line.slice(d.range!.start.col - 1);
}

test("a certificate and key that match and cover the routed host validate clean", async () => {
  const r = await validate(spec({ certificates: [pair("shop")], hsts: { maxAge: "180d", includeSubDomains: true } }, {
    routes: [
      { match: { host: "shop.example.com", pathPrefix: "/" }, fleet: "api" },
      { match: { host: "api.shop.example.com:8443", pathPrefix: "/" }, fleet: "api" },
      { match: { host: "*.shop.example.com", pathPrefix: "/" }, fleet: "api" },
    ],
  }));
  assert.deepEqual(r.diagnostics, []);
  assert.ok(r.ok);
});

test("a key that belongs to another certificate is an error at the key's file", async () => {
  const r = await validate(spec({ certificates: [{ cert: { file: "certs/shop.pem" }, key: { file: "certs/other.key" } }] }));
  assert.equal(r.ok, false);
  const d = r.diagnostics.find((x) => x.code === "EF_SPEC_TLS_PEM");
  assert.ok(d, JSON.stringify(r.diagnostics));
  assert.match(d.message, /does not belong to the certificate certs\/shop\.pem/);
  assert.equal(d.path, "/edge/listeners/1/tls/certificates/0/key");
});

test("a routed host that no certificate covers is an error at the route's host", async () => {
  const r = await validate(spec({ certificates: [pair("other")] }));
  assert.equal(r.ok, false);
  const d = r.diagnostics.find((x) => x.code === "EF_SPEC_TLS_NAME");
  assert.ok(d, JSON.stringify(r.diagnostics));
  assert.match(d.message, /"shop\.example\.com" on https listener "websecure"/);
  assert.ok(textAt(r.source, d).startsWith("shop.example.com"), textAt(r.source, d));
});

test("a host listed in acme.domains counts as covered; routes of other listeners are not checked", async () => {
  const acme = await validate(spec({ certificates: [pair("other")], acme: { email: "ops@example.com", domains: ["shop.example.com"] } }));
  assert.deepEqual(acme.diagnostics.filter((d) => d.code === "EF_SPEC_TLS_NAME"), []);
  const elsewhere = await validate(spec({ certificates: [pair("other")] }, { routes: [{ listeners: ["web"], match: { host: "shop.example.com" }, fleet: "api" }] }));
  assert.deepEqual(elsewhere.diagnostics, []);
});

test("an expired certificate is an error; one expiring within 30 days a warning", async () => {
  const expired = await validate(spec({ certificates: [pair("expired")] }));
  assert.equal(expired.ok, false);
  const e = expired.diagnostics.find((x) => x.code === "EF_SPEC_TLS_EXPIRY");
  assert.equal(e?.severity, "error");
  assert.match(e.message, /expired on/);
  assert.ok(textAt(expired.source, e).startsWith("certs/expired.pem"));
  const soon = await validate(spec({ certificates: [pair("soon")] }));
  assert.ok(soon.ok);
  const w = soon.diagnostics.find((x) => x.code === "EF_SPEC_TLS_EXPIRY");
  assert.equal(w?.severity, "warning");
  assert.match(w.message, /expires in (10|11) days/);
});

test("fleet tls: the CA must parse, a client certificate must match its key, verify: false warns", async () => {
  const good = await validate(spec({ certificates: [pair("shop")] }, { fleetTls: { serverName: "origin.internal", ca: { file: "certs/ca.pem" }, clientCertificate: pair("other") } }));
  assert.deepEqual(good.diagnostics, []);
  const bad = await validate(spec({ certificates: [pair("shop")] }, { fleetTls: { ca: { file: "certs/shop.key" }, clientCertificate: { cert: { file: "certs/other.pem" }, key: { file: "certs/shop.key" } }, verify: false } }));
  const codes = bad.diagnostics.map((d) => `${d.severity} ${d.code} ${d.path}`).sort();
  assert.deepEqual(codes, [
    "error EF_SPEC_TLS_PEM /fleets/api/tls/ca/file",
    "error EF_SPEC_TLS_PEM /fleets/api/tls/clientCertificate/key",
    "warning EF_SPEC_TLS_VERIFY_OFF /fleets/api/tls/verify",
  ]);
});

test("an https listener without certificates or acme is a warning (dev serves it from its local CA)", async () => {
  const r = await validate(spec(undefined));
  assert.ok(r.ok);
  assert.deepEqual(r.diagnostics.map((d) => `${d.severity} ${d.code}`), ["warning EF_SPEC_TLS"]);
});

test("plan: file paths resolve against the spec directory, secrets become environment variables, never values", async () => {
  const doc = spec({ certificates: [pair("shop"), { cert: { file: "certs/other.pem" }, key: { secret: "otherKey" } }], minVersion: "TLSv1.3", hsts: { maxAge: "180d", includeSubDomains: true } }, {
    fleetTls: { serverName: "origin.internal", ca: { file: "certs/ca.pem" } },
  });
  const r = await validate(doc);
  assert.ok(r.ok, JSON.stringify(r.diagnostics));
  const plan = planDeployment(doc as never, "dev", { specDir: dir });
  const [web, websecure] = plan.proxyConfig.listeners;
  assert.deepEqual(web, { name: "web", protocol: "http", host: "127.0.0.1", port: 8080, redirectToHttps: { port: 8443 } });
  assert.deepEqual(websecure, {
    name: "websecure",
    protocol: "http",
    host: "127.0.0.1",
    port: 8443,
    tls: {
      certificates: [
        { cert: { file: join(dir, "certs/shop.pem") }, key: { file: join(dir, "certs/shop.key") } },
        { cert: { file: join(dir, "certs/other.pem") }, key: { env: "EDGEFORM_SECRET_OTHERKEY" } },
      ],
      minVersion: "TLSv1.3",
      hsts: "max-age=15552000; includeSubDomains",
      handshakeTimeoutMs: 10_000,
    },
  });
  assert.deepEqual(plan.proxyConfig.routes[0]?.listeners, ["web", "websecure"]);
  assert.deepEqual(plan.proxyConfig.clusters[0]?.tls, { verify: true, serverName: "origin.internal", ca: { file: join(dir, "certs/ca.pem") } });
  assert.equal(plan.edge.secretEnv["EDGEFORM_SECRET_OTHERKEY"], "otherKey");
  assert.equal(plan.edge.listeners[1]?.tls, true);
  assert.ok(!JSON.stringify(plan.proxyConfig).includes("PRIVATE KEY"));
});

test("only aws warns that https listeners cannot get their certificates; docker warns only about ACME without a Redis tier to share its state", async () => {
  const targets = { local: { provider: "docker" }, prod: { provider: "aws", region: "eu-west-1" } };
  const given = await validate({ ...spec({ certificates: [pair("shop")] }), targets });
  assert.ok(given.ok);
  const targetWarnings = given.diagnostics.filter((d) => d.code === "EF_SPEC_TARGET");
  assert.deepEqual(targetWarnings.map((d) => `${d.severity} ${d.path}`), ["warning /targets/prod"]);
  assert.match(targetWarnings[0]!.message, /aws target does not deliver TLS certificates/);
  const acme = await validate({ ...spec({ certificates: [pair("shop")], acme: { email: "ops@example.com", domains: ["shop.example.com"] } }), targets });
  const docker = acme.diagnostics.filter((d) => d.code === "EF_SPEC_TARGET" && d.path === "/targets/local");
  assert.equal(docker.length, 1, JSON.stringify(acme.diagnostics));
  assert.equal(docker[0]!.severity, "warning");
  assert.match(docker[0]!.message, /on the docker target, ACME listeners keep their account and certificate in the Redis tier, and this topology has none/);
});

test("plan for docker: every PEM becomes a container file (keys marked private) read from the spec's files or secrets; no TLS secret in the environment", async () => {
  const doc = {
    ...spec({ certificates: [pair("shop"), { cert: { file: "certs/other.pem" }, key: { secret: "otherKey" } }] }, {
      fleetTls: { ca: { file: "certs/ca.pem" }, clientCertificate: { cert: { secret: "clientCert" }, key: { secret: "clientKey" } } },
    }),
    targets: { local: { provider: "docker" } },
  };
  const r = await validate(doc);
  assert.ok(r.ok, JSON.stringify(r.diagnostics));
  const plan = planDeployment(doc as never, "local", { specDir: dir });
  const websecure = plan.proxyConfig.listeners[1]!;
  assert.ok(websecure.protocol === "http");
  assert.deepEqual(websecure.tls?.certificates, [
    { cert: { file: "/etc/edgeform/tls/listeners/websecure/0-cert.pem" }, key: { file: "/etc/edgeform/tls/listeners/websecure/0-key.pem" } },
    { cert: { file: "/etc/edgeform/tls/listeners/websecure/1-cert.pem" }, key: { file: "/etc/edgeform/tls/listeners/websecure/1-key.pem" } },
  ]);
  assert.deepEqual(plan.proxyConfig.clusters[0]?.tls, {
    verify: true,
    ca: { file: "/etc/edgeform/tls/fleets/api/ca.pem" },
    clientCertificate: { cert: { file: "/etc/edgeform/tls/fleets/api/client-cert.pem" }, key: { file: "/etc/edgeform/tls/fleets/api/client-key.pem" } },
  });
  assert.deepEqual(plan.edge.tlsFiles, [
    { path: "/etc/edgeform/tls/listeners/websecure/0-cert.pem", from: { file: join(dir, "certs/shop.pem") }, privateKey: false },
    { path: "/etc/edgeform/tls/listeners/websecure/0-key.pem", from: { file: join(dir, "certs/shop.key") }, privateKey: true },
    { path: "/etc/edgeform/tls/listeners/websecure/1-cert.pem", from: { file: join(dir, "certs/other.pem") }, privateKey: false },
    { path: "/etc/edgeform/tls/listeners/websecure/1-key.pem", from: { secret: "otherKey" }, privateKey: true },
    { path: "/etc/edgeform/tls/fleets/api/ca.pem", from: { file: join(dir, "certs/ca.pem") }, privateKey: false },
    { path: "/etc/edgeform/tls/fleets/api/client-cert.pem", from: { secret: "clientCert" }, privateKey: false },
    { path: "/etc/edgeform/tls/fleets/api/client-key.pem", from: { secret: "clientKey" }, privateKey: true },
  ]);
  assert.deepEqual(plan.edge.secretEnv, {}, "TLS secrets reach Docker containers as files, never as environment variables");
  assert.equal(JSON.stringify(plan.proxyConfig).includes("EDGEFORM_SECRET_"), false);
  // Elsewhere (dev, `edgeform proxy`) nothing is uploaded: the proxy reads the files and the environment.
  assert.deepEqual(planDeployment(doc as never, "dev", { specDir: dir }).edge.tlsFiles, []);
});

const acmeOnly = { acme: { email: "ops@example.com", domains: ["shop.example.com"] } };

test("tls.acme: a directory that is not https is refused by the schema", async () => {
  const r = await validate(spec({ acme: { ...acmeOnly.acme, directory: "http://acme.example.com/dir" } }));
  assert.equal(r.ok, false);
  assert.deepEqual(r.diagnostics.map((d) => `${d.severity} ${d.code} ${d.path}`), ["error EF_SPEC_SCHEMA_FORMAT /edge/listeners/1/tls/acme/directory"]);
});

test("tls.acme needs an http listener for HTTP-01, and warns about a domain no route of the listener serves", async () => {
  const doc = spec({ acme: { email: "ops@example.com", domains: ["shop.example.com", "forgotten.example.com"] } });
  const withoutHttp = { ...doc, edge: { ...doc.edge, listeners: [doc.edge.listeners[1]] } };
  const r = await validate(withoutHttp);
  assert.equal(r.ok, false);
  const diagnostics = r.diagnostics.map((d) => `${d.severity} ${d.code} ${d.path}`);
  assert.ok(diagnostics.includes("error EF_SPEC_TLS /edge/listeners/0/tls/acme"), diagnostics.join("\n"));
  assert.match(r.diagnostics.find((d) => d.code === "EF_SPEC_TLS")!.message, /HTTP-01.*no listener has `protocol: http`/);
  assert.ok(diagnostics.includes("warning EF_SPEC_TLS_NAME /edge/listeners/0/tls/acme/domains/1"), diagnostics.join("\n"));
  // A catch-all route serves every domain; a wildcard route one label under it.
  const catchAll = await validate(spec({ acme: { ...acmeOnly.acme, domains: ["a.example.org"] } }, { routes: [{ match: { pathPrefix: "/" }, fleet: "api" }] }));
  assert.deepEqual(catchAll.diagnostics, []);
  const wildcard = await validate(spec({ acme: { ...acmeOnly.acme, domains: ["a.shop.example.com", "b.a.shop.example.com"] } }, { routes: [{ match: { host: "*.shop.example.com", pathPrefix: "/" }, fleet: "api" }] }));
  assert.deepEqual(wildcard.diagnostics.map((d) => `${d.code} ${d.path}`), ["EF_SPEC_TLS_NAME /edge/listeners/1/tls/acme/domains/1"]);
});

test("an https listener served by ACME alone does not warn on the docker target with a Redis tier (the proxy obtains it there); aws still warns", async () => {
  const doc = { ...spec(acmeOnly), caches: { main: { redis: { maxMemory: "64MiB" } } }, targets: { local: { provider: "docker" }, prod: { provider: "aws", region: "eu-west-1" } } };
  const r = await validate(doc);
  assert.ok(r.ok, JSON.stringify(r.diagnostics));
  assert.deepEqual(r.diagnostics.filter((d) => d.code === "EF_SPEC_TARGET").map((d) => `${d.severity} ${d.path}`), ["warning /targets/prod"]);
  const withoutRedis = await validate({ ...spec(acmeOnly), targets: { local: { provider: "docker" } } });
  const targets = withoutRedis.diagnostics.filter((d) => d.code === "EF_SPEC_TARGET");
  assert.deepEqual(targets.map((d) => `${d.severity} ${d.path}`), ["warning /targets/local"]);
  assert.match(targets[0]!.message, /ACME listeners keep their account and certificate in the Redis tier, and this topology has none/);
});

test("plan: an ACME listener keeps its state in the first Redis tier, else in the container's data directory, scoped per topology and listener", async () => {
  const base = { ...spec(acmeOnly), targets: { local: { provider: "docker" } } };
  const withRedis = { ...base, caches: { main: { redis: { maxMemory: "64MiB" } } } };
  const [plain, redis] = [base, withRedis].map((doc) => planDeployment(doc as never, "local", { specDir: dir }).proxyConfig.listeners[1]);
  assert.deepEqual(plain && "tls" in plain ? plain.tls?.acme : undefined, {
    email: "ops@example.com",
    directory: "https://acme-v02.api.letsencrypt.org/directory",
    domains: ["shop.example.com"],
    storage: { scope: "shop/websecure", dataDir: "/var/lib/edgeform/acme" },
  });
  const storage = redis && "tls" in redis ? redis.tls?.acme?.storage : undefined;
  assert.equal(storage?.scope, "shop/websecure");
  assert.match(storage?.redis?.url ?? "", /^redis:\/\/.+:6379$/);
  assert.equal(storage?.redis?.passwordEnv, "EDGEFORM_REDIS_AUTH_MAIN");
  // `edgeform dev` serves its local CA's certificate instead; `edgeform proxy` (dev target) uses the user's data directory.
  const proxy = planDeployment(base as never, "dev", { specDir: dir }).proxyConfig.listeners[1];
  assert.deepEqual(proxy && "tls" in proxy ? proxy.tls?.acme?.storage : undefined, { scope: "shop/websecure" });
});
