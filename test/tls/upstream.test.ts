/**
 * TLS to origins: a private CA, SNI, a wrong name (502, logged, backend
 * marked), the system store, verify: false, mTLS, connection reuse, and
 * active health checks with the same settings.
 */
import assert from "node:assert/strict";
import https from "node:https";
import { after, before, test } from "node:test";
import type { TLSSocket } from "node:tls";
import { pino } from "pino";
import type { ClusterConfig, UpstreamTlsConfig } from "../../src/plan/proxy-config.js";
import { cluster, config, eventually, get, LogCapture, route, withProxy } from "../proxy/support.js";
import { listenLoopback } from "../support/net.js";
import { CertDir } from "./support.js";

let certs: CertDir;
let origin: { port: number; server: https.Server; connections: number; sni: string[]; clientCns: string[] };
let mtlsOrigin: typeof origin;
let client: Awaited<ReturnType<CertDir["issue"]>>;

async function startOrigin(options: https.ServerOptions): Promise<typeof origin> {
  const state = { port: 0, server: undefined as unknown as https.Server, connections: 0, sni: [] as string[], clientCns: [] as string[] };
  const server = https.createServer(options, (req, res) => {
    const socket = req.socket as TLSSocket;
    const peer = socket.getPeerCertificate();
    if (peer.subject?.CN) state.clientCns.push(String(peer.subject.CN));
    res.writeHead(200, { "content-type": "text/plain" });
    res.end(`tls origin ${req.url}`);
  });
  server.on("secureConnection", (s: TLSSocket) => {
    state.connections++;
    state.sni.push(String(s.servername));
  });
  state.port = await listenLoopback(server);
  state.server = server;
  return state;
}

before(async () => {
  certs = await CertDir.create();
  const site = await certs.issue("origin", { names: ["origin.internal"] });
  client = await certs.issue("edge-client", { names: ["edge.client"], usage: "client" });
  certs.write("ca", certs.ca.certPem, "");
  origin = await startOrigin({ cert: site.certPem, key: site.keyPem });
  mtlsOrigin = await startOrigin({ cert: site.certPem, key: site.keyPem, requestCert: true, rejectUnauthorized: true, ca: certs.ca.certPem });
});

after(async () => {
  // Undefined when a name filter skipped the `before` hook.
  for (const o of [origin, mtlsOrigin]) {
    o?.server.closeAllConnections();
    o?.server.close();
  }
  certs?.remove();
});

const ca = () => ({ file: certs.path("ca.pem") });
const OUTLIER_ON_CONNECT = { consecutive5xx: 0, consecutiveConnectFailures: 1, baseEjectionMs: 30_000, maxEjectionMs: 300_000, panicThreshold: 0 };

function tlsFleet(port: number, tls: UpstreamTlsConfig, extra: Partial<ClusterConfig> = {}): ClusterConfig {
  return cluster("legacy", [{ port }], { tls, ...extra });
}

test("a fleet with tls is reached over TLS with SNI, verified against the private CA, and connections are reused", async () => {
  const before = origin.connections;
  await withProxy(config([tlsFleet(origin.port, { serverName: "origin.internal", ca: ca(), verify: true })], [route("r", "legacy")]), async (proxy) => {
    for (let i = 0; i < 3; i++) {
      const r = await get(proxy.ports["web"]!, `/hello/${i}`);
      assert.equal(r.status, 200);
      assert.equal(r.body, `tls origin /hello/${i}`);
    }
  });
  assert.equal(origin.connections - before, 1, "three requests share one TLS connection");
  assert.equal(origin.sni.at(-1), "origin.internal");
});

test("a wrong name is a 502 with a log line saying why, and the backend is marked", async () => {
  const logs = new LogCapture();
  // Two backends: the proxy never ejects the last usable one.
  const fleet = cluster("legacy", [{ port: origin.port }, { port: mtlsOrigin.port }], { tls: { serverName: "wrong.internal", ca: ca(), verify: true }, outlier: OUTLIER_ON_CONNECT });
  const cfg = config([fleet], [route("r", "legacy")]);
  await withProxy(cfg, async (proxy) => {
    const r = await get(proxy.ports["web"]!, "/");
    assert.equal(r.status, 502);
    const line = logs.lines.find((l) => l["event"] === "upstream-error");
    assert.equal(line?.["reason"], "tls-verify");
    assert.match(String(line?.["msg"]), /certificate was refused \(ERR_TLS_CERT_ALTNAME_INVALID/);
    const metrics = await get(proxy.ports["admin"]!, "/metrics");
    assert.match(metrics.body, /edgeform_backend_ejections_total\{fleet="legacy",backend="127\.0\.0\.1:\d+"\} 1/);
    assert.match(metrics.body, /edgeform_backend_healthy\{fleet="legacy",backend="127\.0\.0\.1:\d+"\} 0/);
  }, { logger: pino({ level: "info" }, logs) });
});

test("without a CA the system store is used (so a private CA is refused); verify: false accepts it", async () => {
  await withProxy(config([tlsFleet(origin.port, { serverName: "origin.internal", verify: true })], [route("r", "legacy")]), async (proxy) => {
    assert.equal((await get(proxy.ports["web"]!, "/")).status, 502);
  });
  await withProxy(config([tlsFleet(origin.port, { serverName: "wrong.internal", verify: false })], [route("r", "legacy")]), async (proxy) => {
    assert.equal((await get(proxy.ports["web"]!, "/")).status, 200);
  });
});

test("mTLS: the client certificate is presented; without it the origin refuses (502)", async () => {
  await withProxy(config([tlsFleet(mtlsOrigin.port, { serverName: "origin.internal", ca: ca(), verify: true, clientCertificate: { cert: client.cert, key: client.key } })], [route("r", "legacy")]), async (proxy) => {
    const r = await get(proxy.ports["web"]!, "/m");
    assert.equal(r.status, 200);
    assert.equal(mtlsOrigin.clientCns.at(-1), "edge.client");
  });
  await withProxy(config([tlsFleet(mtlsOrigin.port, { serverName: "origin.internal", ca: ca(), verify: true })], [route("r", "legacy")]), async (proxy) => {
    assert.equal((await get(proxy.ports["web"]!, "/m")).status, 502);
  });
});

test("active health checks use the fleet's TLS settings: healthy with the right name, unhealthy with a wrong one", async () => {
  const healthCheck = { protocol: "http" as const, path: "/health", expectStatus: [[200, 399]] as Array<[number, number]>, intervalMs: 300, timeoutMs: 250, healthyThreshold: 1, unhealthyThreshold: 1 };
  for (const [serverName, healthy] of [["origin.internal", 1], ["wrong.internal", 0]] as const) {
    const cfg = config([tlsFleet(origin.port, { serverName, ca: ca(), verify: true }, { healthCheck })], [route("r", "legacy")]);
    await withProxy(cfg, async (proxy) => {
      const expected = new RegExp(`edgeform_backend_healthy\\{fleet="legacy",backend="127\\.0\\.0\\.1:${origin.port}"\\} ${healthy}`);
      // Two probes at least, so "healthy" is a verdict and not the initial state.
      await new Promise((r) => setTimeout(r, 400));
      await eventually(async () => expected.test((await get(proxy.ports["admin"]!, "/metrics")).body), 5000, `backend healthy = ${healthy}`);
    });
  }
});
