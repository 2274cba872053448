/**
 * A fleet's CA bundle and client certificate are re-read when their files
 * change on disk, and on a config reload: new connections use the new
 * files, while a request already in flight finishes and a pooled connection
 * made with the old files is not cut.
 */
import assert from "node:assert/strict";
import https from "node:https";
import type { Socket } from "node:net";
import { renameSync, writeFileSync } from "node:fs";
import { after, before, test } from "node:test";
import type { TLSSocket } from "node:tls";
import { pino } from "pino";
import { createCertificateAuthority, type CertificateAuthority } from "../../src/dev/certificates.js";
import type { UpstreamTlsConfig } from "../../src/plan/proxy-config.js";
import { cluster, config, eventually, get, LogCapture, route, withProxy } from "../proxy/support.js";
import { listenLoopback } from "../support/net.js";
import { CertDir } from "./support.js";

interface Origin {
  port: number;
  server: https.Server;
  /** Client certificate CN per request. */
  clientCns: string[];
  /** Sockets the origin accepted and whether each is still open. */
  sockets: Array<{ socket: Socket; closed: boolean }>;
}

let certs: CertDir;
let otherCa: CertificateAuthority;
let origin: Origin;
let mtlsOrigin: Origin;

async function startOrigin(options: https.ServerOptions): Promise<Origin> {
  const state: Origin = { port: 0, server: undefined as unknown as https.Server, clientCns: [], sockets: [] };
  const server = https.createServer(options, (req, res) => {
    const cn = (req.socket as TLSSocket).getPeerCertificate()?.subject?.CN;
    if (cn !== undefined) state.clientCns.push(String(cn));
    if (req.url === "/slow") {
      // Half the body now, the rest later: the request is in flight across a reload.
      res.writeHead(200, { "content-type": "text/plain", "content-length": "8" });
      res.write("slow-");
      setTimeout(() => res.end("end"), 3000);
      return;
    }
    res.writeHead(200, { "content-type": "text/plain" });
    res.end(`origin ${req.url}`);
  });
  server.on("secureConnection", (socket: TLSSocket) => {
    const entry = { socket, closed: false };
    state.sockets.push(entry);
    socket.on("close", () => (entry.closed = true));
  });
  state.port = await listenLoopback(server);
  state.server = server;
  return state;
}

before(async () => {
  certs = await CertDir.create();
  otherCa = await createCertificateAuthority("another CA");
  const site = await certs.issue("origin", { names: ["origin.internal"] });
  origin = await startOrigin({ cert: site.certPem, key: site.keyPem });
  mtlsOrigin = await startOrigin({ cert: site.certPem, key: site.keyPem, requestCert: true, rejectUnauthorized: true, ca: certs.ca.certPem });
});

after(() => {
  // Undefined when a name filter skipped the `before` hook.
  for (const o of [origin, mtlsOrigin]) {
    o?.server.closeAllConnections();
    o?.server.close();
  }
  certs?.remove();
});

/** Replaces a file the way deploy tools do: write aside, then rename over it. */
function replace(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

function tlsConfig(tls: UpstreamTlsConfig, port: number) {
  // One backend, never ejected (the helper's default): every answer says what the current files allow.
  return config([cluster("legacy", [{ port }], { tls })], [route("r", "legacy")]);
}

test("a CA file changed on disk is used by new connections; a request in flight and a pooled connection are not cut", async () => {
  const caFile = certs.path("ca-rotating.pem");
  writeFileSync(caFile, otherCa.certPem);
  const logs = new LogCapture();
  await withProxy(tlsConfig({ serverName: "origin.internal", ca: { file: caFile }, verify: true }, origin.port), async (proxy) => {
    const port = proxy.ports["web"]!;
    assert.equal((await get(port, "/")).status, 502, "a CA that did not sign the origin's certificate is refused");

    replace(caFile, certs.ca.certPem);
    await eventually(async () => (await get(port, "/")).status === 200, 10_000, "the new CA file is used without a reload");
    assert.ok(logs.lines.some((l) => l["event"] === "upstream-tls-reloaded" && l["reason"] === "file-changed"), "the re-read is logged");

    // The keep-alive connection just made with the new CA; the slow request reuses it and stays in flight.
    const pooled = origin.sockets.at(-1)!;
    const slow = get(port, "/slow");
    await new Promise((r) => setTimeout(r, 200));
    // Back to a CA that refuses the origin: only connections made from now on see it.
    replace(caFile, otherCa.certPem);
    await eventually(async () => (await get(port, "/fresh")).status === 502, 10_000, "new connections use the changed file");
    const reply = await slow;
    assert.equal(reply.status, 200);
    assert.equal(reply.body, "slow-end", "the request in flight during the re-read finished whole");
    assert.equal(pooled.closed, false, "the pooled connection made with the old CA was not cut");
  }, { logger: pino({ level: "info" }, logs) });
});

test("a client certificate and key rotated on disk are presented on new connections", async () => {
  const a = await certs.issue("client-a", { names: ["edge-a.client"], usage: "client" });
  const b = await certs.issue("client-b", { names: ["edge-b.client"], usage: "client" });
  const certFile = certs.path("client-rotating.pem");
  const keyFile = certs.path("client-rotating.key");
  writeFileSync(certFile, a.certPem);
  writeFileSync(keyFile, a.keyPem);
  certs.write("ca", certs.ca.certPem, "");
  const tls: UpstreamTlsConfig = { serverName: "origin.internal", ca: { file: certs.path("ca.pem") }, verify: true, clientCertificate: { cert: { file: certFile }, key: { file: keyFile } } };
  await withProxy(tlsConfig(tls, mtlsOrigin.port), async (proxy) => {
    const port = proxy.ports["web"]!;
    assert.equal((await get(port, "/a")).status, 200);
    assert.equal(mtlsOrigin.clientCns.at(-1), "edge-a.client");
    // The certificate first, the key a moment later: the proxy waits for both (or keeps the old pair meanwhile).
    replace(certFile, b.certPem);
    await new Promise((r) => setTimeout(r, 100));
    replace(keyFile, b.keyPem);
    await eventually(async () => {
      const r = await get(port, "/b");
      return r.status === 200 && mtlsOrigin.clientCns.at(-1) === "edge-b.client";
    }, 10_000, "the new client certificate is presented");
  });
});

test("a config reload (SIGHUP) re-reads the files at once, even when the config itself is unchanged", async () => {
  const caFile = certs.path("ca-sighup.pem");
  writeFileSync(caFile, otherCa.certPem);
  const cfg = tlsConfig({ serverName: "origin.internal", ca: { file: caFile }, verify: true }, origin.port);
  await withProxy(cfg, async (proxy) => {
    const port = proxy.ports["web"]!;
    assert.equal((await get(port, "/")).status, 502);
    // Written in place (no rename), and reloaded before the file poller can notice.
    writeFileSync(caFile, certs.ca.certPem);
    await proxy.reload(cfg);
    assert.equal((await get(port, "/")).status, 200);
  });
});
