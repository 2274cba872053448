/**
 * TCP listeners to fleets with `tls`: the proxy originates TLS with the
 * fleet's settings (SNI, private CA, verification, client certificate), the
 * client's bytes travel inside it unchanged, and a certificate that does not
 * verify closes the client's connection, is logged and counted, and marks
 * the backend, as on the HTTP path.
 */
import assert from "node:assert/strict";
import net from "node:net";
import { after, before, test } from "node:test";
import tls from "node:tls";
import { pino } from "pino";
import type { ClusterConfig, TcpListenerConfig, UpstreamTlsConfig } from "../../src/plan/proxy-config.js";
import { cluster, config, eventually, get, LogCapture, withProxy } from "../proxy/support.js";
import { listenLoopback } from "../support/net.js";
import { CertDir } from "./support.js";

interface TlsEcho {
  port: number;
  server: tls.Server;
  /** What each accepted connection saw: the SNI name, the ALPN protocol and the client certificate's CN. */
  seen: Array<{ sni: string | false | null; alpn: string | false | null; clientCn: string | undefined }>;
}

let certs: CertDir;
let origin: TlsEcho;
let mtlsOrigin: TlsEcho;
let client: Awaited<ReturnType<CertDir["issue"]>>;

/** A TLS server that answers `<name>:<everything received>` after the client half-closes. */
async function startTlsEcho(name: string, options: tls.TlsOptions): Promise<TlsEcho> {
  const state: TlsEcho = { port: 0, server: undefined as unknown as tls.Server, seen: [] };
  const server = tls.createServer({ ...options, allowHalfOpen: true }, (socket) => {
    const cn = socket.getPeerCertificate()?.subject?.CN;
    state.seen.push({ sni: socket.servername, alpn: socket.alpnProtocol, clientCn: cn === undefined ? undefined : String(cn) });
    let data = "";
    socket.on("data", (d: Buffer) => (data += d.toString()));
    socket.on("end", () => socket.end(`${name}:${data}`));
    socket.on("error", () => socket.destroy());
  });
  state.port = await listenLoopback(server);
  state.server = server;
  return state;
}

before(async () => {
  certs = await CertDir.create();
  const site = await certs.issue("origin", { names: ["db.internal"] });
  client = await certs.issue("edge-client", { names: ["edge.client"], usage: "client" });
  certs.write("ca", certs.ca.certPem, "");
  origin = await startTlsEcho("tls-db", { cert: site.certPem, key: site.keyPem });
  mtlsOrigin = await startTlsEcho("mtls-db", { cert: site.certPem, key: site.keyPem, requestCert: true, rejectUnauthorized: true, ca: certs.ca.certPem });
});

after(() => {
  // Undefined when a name filter skipped the `before` hook.
  for (const o of [origin, mtlsOrigin]) o?.server.close();
  certs?.remove();
});

const ca = () => ({ file: certs.path("ca.pem") });
const OUTLIER_ON_CONNECT = { consecutive5xx: 0, consecutiveConnectFailures: 1, baseEjectionMs: 30_000, maxEjectionMs: 300_000, panicThreshold: 0 };

function tcpListener(): TcpListenerConfig {
  return { name: "db", protocol: "tcp", host: "127.0.0.1", port: 0, cluster: "db", balancer: { algorithm: "round-robin" }, timeouts: { connectMs: 2000, idleMs: 5000 } };
}

function tcpConfig(ports: number[], tlsConfig: UpstreamTlsConfig, extra: Partial<ClusterConfig> = {}) {
  return config([cluster("db", ports.map((port) => ({ port })), { tls: tlsConfig, ...extra })], [], { listeners: [tcpListener()] });
}

/**
 * Sends `text` in cleartext to the proxy's TCP listener, half-closes, and
 * returns what came back once the connection closed. A connection the proxy
 * cuts before answering may end in a reset: that counts as "nothing came back".
 */
function roundTrip(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, "127.0.0.1");
    let got = "";
    s.on("data", (d: Buffer) => (got += d.toString()));
    s.on("close", () => resolve(got));
    s.on("error", (err: NodeJS.ErrnoException) => (err.code === "ECONNRESET" ? undefined : reject(err)));
    s.on("connect", () => s.end(text));
  });
}

test("a TCP listener whose fleet has tls originates TLS: SNI, the private CA, no ALPN, and the bytes pass through unchanged", async () => {
  const before = origin.seen.length;
  await withProxy(tcpConfig([origin.port], { serverName: "db.internal", ca: ca(), verify: true }), async (proxy) => {
    const port = proxy.ports["db"]!;
    assert.equal(await roundTrip(port, "ping"), "tls-db:ping");
    const big = "y".repeat(300_000);
    assert.equal(await roundTrip(port, big), `tls-db:${big}`, "a large payload streams through TLS intact, half-close included");
  });
  const seen = origin.seen.slice(before);
  assert.equal(seen.length, 2, "each client connection is one TLS connection to the origin");
  assert.deepEqual(seen[0], { sni: "db.internal", alpn: false, clientCn: undefined }, "SNI from the fleet; opaque bytes offer no HTTP ALPN");
});

test("a wrong name closes the client's connection without a byte, is logged and counted as tls-verify, and marks the backend", async () => {
  const logs = new LogCapture();
  const before = origin.seen.length;
  // Two backends, so the proxy may eject one (it never ejects the last usable one).
  const cfg = tcpConfig([origin.port, mtlsOrigin.port], { serverName: "wrong.internal", ca: ca(), verify: true }, { outlier: OUTLIER_ON_CONNECT });
  await withProxy(cfg, async (proxy) => {
    assert.equal(await roundTrip(proxy.ports["db"]!, "secret query"), "", "nothing is answered: the connection is closed");
    const line = logs.lines.find((l) => l["event"] === "upstream-error" && l["reason"] === "tls-verify");
    assert.ok(line, JSON.stringify(logs.lines));
    assert.match(String(line["msg"]), /certificate was refused \(ERR_TLS_CERT_ALTNAME_INVALID/);
    const metrics = (await get(proxy.ports["admin"]!, "/metrics")).body;
    assert.match(metrics, /edgeform_backend_ejections_total\{fleet="db",backend="127\.0\.0\.1:\d+"\} [12]/);
    assert.match(metrics, /edgeform_upstream_errors_total\{route="db",fleet="db",reason="tls-verify"\} 1/);
  }, { logger: pino({ level: "info" }, logs) });
  // The origin completed handshakes but never got the client's bytes (it would have answered them).
  assert.ok(origin.seen.length - before <= 1);
});

test("mTLS: the fleet's client certificate is presented; without it the origin refuses and the client is closed", async () => {
  await withProxy(tcpConfig([mtlsOrigin.port], { serverName: "db.internal", ca: ca(), verify: true, clientCertificate: { cert: client.cert, key: client.key } }), async (proxy) => {
    assert.equal(await roundTrip(proxy.ports["db"]!, "hello"), "mtls-db:hello");
    assert.equal(mtlsOrigin.seen.at(-1)?.clientCn, "edge.client");
  });
  await withProxy(tcpConfig([mtlsOrigin.port], { serverName: "db.internal", ca: ca(), verify: true }), async (proxy) => {
    assert.equal(await roundTrip(proxy.ports["db"]!, "hello"), "");
  });
});

test("a TCP health check of a tls fleet uses the same settings: unhealthy with a wrong name", async () => {
  const healthCheck = { protocol: "tcp" as const, path: "/", expectStatus: [[200, 399]] as Array<[number, number]>, intervalMs: 300, timeoutMs: 250, healthyThreshold: 1, unhealthyThreshold: 1 };
  await withProxy(tcpConfig([origin.port], { serverName: "wrong.internal", ca: ca(), verify: true }, { healthCheck }), async (proxy) => {
    await new Promise((r) => setTimeout(r, 400));
    await eventually(async () => /edgeform_backend_healthy\{fleet="db",backend="127\.0\.0\.1:\d+"\} 0/.test((await get(proxy.ports["admin"]!, "/metrics")).body), 5000, "backend unhealthy");
  });
});
