/**
 * TLS termination on https listeners with real clients (node:tls, node:https):
 * SNI selection, protocol and cipher policy, ALPN, the handshake deadline,
 * scheme headers, HSTS, the HTTP→HTTPS redirect, certificate rotation on
 * disk and on reload, the expiry metric, session resumption.
 */
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import https from "node:https";
import net from "node:net";
import { after, before, test } from "node:test";
import tls from "node:tls";
import { setTimeout as sleep } from "node:timers/promises";
import type { ProxyRuntimeConfig } from "../../src/plan/proxy-config.js";
import { cluster, config, get, route, startBackend, withProxy, type Backend } from "../proxy/support.js";
import { CertDir, connectTls, httpsGet, listenerTls } from "./support.js";

let certs: CertDir;
let backend: Backend;
let shop: Awaited<ReturnType<CertDir["issue"]>>;
let api: Awaited<ReturnType<CertDir["issue"]>>;

before(async () => {
  certs = await CertDir.create();
  shop = await certs.issue("shop", { names: ["shop.example.com", "localhost", "127.0.0.1"] });
  api = await certs.issue("api", { names: ["*.api.example.com"] });
  backend = await startBackend("b1", (req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ proto: req.headers["x-forwarded-proto"], forwarded: req.headers["forwarded"] }));
  });
});

after(async () => {
  // Undefined when a name filter skipped the `before` hook.
  await backend?.close();
  certs?.remove();
});

function httpsConfig(extra: { hsts?: string; handshakeTimeoutMs?: number; minVersion?: "TLSv1.2" | "TLSv1.3" } = {}): ProxyRuntimeConfig {
  const tlsConfig = listenerTls([shop, api], extra);
  return config([cluster("api", [backend])], [route("r", "api", { listeners: ["web", "websecure"] })], {
    listeners: [
      { name: "web", protocol: "http", host: "127.0.0.1", port: 0 },
      { name: "websecure", protocol: "http", host: "127.0.0.1", port: 0, tls: tlsConfig },
    ],
  });
}

const subjectCn = (cert: tls.PeerCertificate) => cert.subject.CN;

test("SNI picks the certificate for the name; wildcards match one label; no or unknown name gets the first", async () => {
  await withProxy(httpsConfig(), async (proxy) => {
    const port = proxy.ports["websecure"]!;
    const cases: Array<[string | undefined, string]> = [
      ["shop.example.com", "shop.example.com"],
      ["v1.api.example.com", "*.api.example.com"],
      ["deep.v1.api.example.com", "shop.example.com"],
      ["unknown.example.org", "shop.example.com"],
      [undefined, "shop.example.com"],
    ];
    for (const [servername, cn] of cases) {
      const { socket, peer } = await connectTls(port, { ca: certs.ca.certPem, rejectUnauthorized: false, ...(servername ? { servername } : {}) });
      assert.equal(subjectCn(peer), cn, `servername ${servername}`);
      socket.destroy();
    }
  });
});

test("requests over TLS reach the origin with X-Forwarded-Proto and Forwarded proto=https; ALPN is http/1.1; HSTS only over HTTPS", async () => {
  await withProxy(httpsConfig({ hsts: "max-age=15552000; includeSubDomains" }), async (proxy) => {
    const secure = await httpsGet(proxy.ports["websecure"]!, "/x", { ca: certs.ca.certPem, servername: "shop.example.com" });
    assert.equal(secure.status, 200);
    const seen = JSON.parse(secure.body) as { proto: string; forwarded: string };
    assert.equal(seen.proto, "https");
    assert.match(seen.forwarded, /proto=https$/);
    assert.equal(secure.headers["strict-transport-security"], "max-age=15552000; includeSubDomains");
    const plain = await get(proxy.ports["web"]!, "/x");
    assert.equal((JSON.parse(plain.body) as { proto: string }).proto, "http");
    assert.equal(plain.headers["strict-transport-security"], undefined);
    const { socket } = await connectTls(proxy.ports["websecure"]!, { ca: certs.ca.certPem, servername: "shop.example.com", ALPNProtocols: ["h2", "http/1.1"] });
    assert.equal(socket.alpnProtocol, "http/1.1");
    socket.destroy();
  });
});

test("TLS 1.0/1.1 and ciphers without forward secrecy or AEAD are refused (a permissive server accepts the same client)", async () => {
  // The control proves the client really offers what the proxy must refuse.
  const permissive = tls.createServer({ cert: shop.certPem, key: shop.keyPem, minVersion: "TLSv1", ciphers: "ALL:@SECLEVEL=0" }, (s) => s.end());
  await new Promise<void>((r) => permissive.listen(0, "127.0.0.1", r));
  const controlPort = (permissive.address() as net.AddressInfo).port;
  const legacy: tls.ConnectionOptions = { minVersion: "TLSv1", maxVersion: "TLSv1.1", ciphers: "ALL:@SECLEVEL=0", rejectUnauthorized: false };
  const weak: tls.ConnectionOptions = { maxVersion: "TLSv1.2", ciphers: "ECDHE-ECDSA-AES128-SHA:@SECLEVEL=0", rejectUnauthorized: false };
  try {
    for (const [what, options] of [["TLS 1.1", legacy], ["CBC cipher", weak]] as const) {
      const control = await connectTls(controlPort, options);
      control.socket.destroy();
      await withProxy(httpsConfig(), async (proxy) => {
        await assert.rejects(connectTls(proxy.ports["websecure"]!, options), /alert|protocol|cipher|handshake/i, `${what} must be refused`);
      });
    }
  } finally {
    permissive.close();
  }
});

test("minVersion TLSv1.3 refuses TLS 1.2", async () => {
  await withProxy(httpsConfig({ minVersion: "TLSv1.3" }), async (proxy) => {
    await assert.rejects(connectTls(proxy.ports["websecure"]!, { maxVersion: "TLSv1.2", rejectUnauthorized: false }));
    const { socket } = await connectTls(proxy.ports["websecure"]!, { rejectUnauthorized: false });
    assert.equal(socket.getProtocol(), "TLSv1.3");
    socket.destroy();
  });
});

test("a client that never completes its handshake is cut off after the handshake timeout", async () => {
  await withProxy(httpsConfig({ handshakeTimeoutMs: 500 }), async (proxy) => {
    const started = performance.now();
    const closedAfter = await new Promise<number>((resolve, reject) => {
      const s = net.connect(proxy.ports["websecure"]!, "127.0.0.1");
      // Half a ClientHello record header: the handshake can never finish.
      s.on("connect", () => s.write(Buffer.from([0x16, 0x03, 0x01])));
      s.on("close", () => resolve(performance.now() - started));
      s.on("error", () => {});
      setTimeout(() => reject(new Error("still open after 8 s")), 8000).unref();
    });
    assert.ok(closedAfter >= 400, `closed after ${closedAfter} ms`);
  });
});

test("renegotiation is refused", async () => {
  await withProxy(httpsConfig(), async (proxy) => {
    const { socket } = await connectTls(proxy.ports["websecure"]!, { maxVersion: "TLSv1.2", rejectUnauthorized: false });
    const outcome = await new Promise<string>((resolve) => {
      socket.on("error", (e) => resolve(`error ${e.message}`));
      socket.on("close", () => resolve("closed"));
      const ok = socket.renegotiate({ rejectUnauthorized: false }, (err) => resolve(err ? `error ${err.message}` : "renegotiated"));
      if (!ok) resolve("refused locally");
    });
    assert.notEqual(outcome, "renegotiated");
    assert.notEqual(outcome, "refused locally");
    socket.destroy();
  });
});

test("an http listener with redirectToHttps answers 308 to the https port, keeping host, path and query", async () => {
  const cfg = httpsConfig();
  await withProxy(cfg, async (proxy) => {
    const web = cfg.listeners[0]!;
    if (web.protocol === "http") web.redirectToHttps = { port: proxy.ports["websecure"]! };
    await proxy.reload(cfg);
    const r = await get(proxy.ports["web"]!, "/cart?id=7", { headers: { host: "shop.example.com:8080" } });
    assert.equal(r.status, 308);
    assert.equal(r.headers["location"], `https://shop.example.com:${proxy.ports["websecure"]}/cart?id=7`);
    assert.equal(backend.seen.filter((s) => s.url === "/cart?id=7").length, 0, "nothing reaches the origin");
    const bad = await get(proxy.ports["web"]!, "/", { headers: { host: "evil.example.com\\@x" } });
    assert.equal(bad.status, 400);
  });
});

test("a certificate rotated on disk is served to the next connection while an open connection keeps working", async () => {
  const rotating = await certs.issue("rotating", { names: ["localhost"] });
  const cfg = config([cluster("api", [backend])], [route("r", "api", { listeners: ["websecure"] })], {
    listeners: [{ name: "websecure", protocol: "http", host: "127.0.0.1", port: 0, tls: listenerTls([rotating]) }],
  });
  await withProxy(cfg, async (proxy) => {
    const port = proxy.ports["websecure"]!;
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
    const first = await httpsGet(port, "/1", { ca: certs.ca.certPem, agent });
    assert.equal(first.status, 200);
    const before = (await connectTls(port, { ca: certs.ca.certPem, servername: "localhost" }));
    const oldSerial = before.peer.serialNumber;
    before.socket.destroy();
    const next = await certs.issue("rotating", { names: ["localhost"] });
    const newSerial = new X509Certificate(next.certPem).serialNumber;
    let served = oldSerial;
    for (let i = 0; i < 50 && served !== newSerial.toUpperCase() && served !== newSerial; i++) {
      await sleep(200);
      const c = await connectTls(port, { ca: certs.ca.certPem, servername: "localhost" });
      served = c.peer.serialNumber;
      c.socket.destroy();
    }
    assert.equal(served.toUpperCase(), newSerial.toUpperCase(), "the new certificate is served");
    // The keep-alive connection opened before the rotation still answers.
    const again = await httpsGet(port, "/2", { ca: certs.ca.certPem, agent });
    assert.equal(again.status, 200);
    agent.destroy();
  });
});

test("a reload (SIGHUP) re-reads certificates; a broken file keeps the previous ones; expiry is exported", async () => {
  const reloading = await certs.issue("reloading", { names: ["localhost"] });
  const cfg = config([cluster("api", [backend])], [route("r", "api", { listeners: ["websecure"] })], {
    listeners: [{ name: "websecure", protocol: "http", host: "127.0.0.1", port: 0, tls: listenerTls([reloading]) }],
  });
  await withProxy(cfg, async (proxy) => {
    const port = proxy.ports["websecure"]!;
    const other = await certs.issue("other-name", { names: ["localhost", "other.example.com"] });
    const l = cfg.listeners[0]!;
    if (l.protocol === "http") l.tls = listenerTls([other]);
    await proxy.reload(cfg);
    const c = await connectTls(port, { ca: certs.ca.certPem, servername: "localhost" });
    assert.match(c.peer.subjectaltname ?? "", /other\.example\.com/);
    c.socket.destroy();
    const metrics = await get(proxy.ports["admin"]!, "/metrics");
    const notAfter = Math.floor(Date.parse(new X509Certificate(other.certPem).validTo) / 1000);
    assert.match(metrics.body, new RegExp(`edgeform_tls_certificate_expiry_seconds\\{listener="websecure",certificate="[^"]*other-name\\.pem"\\} ${notAfter}`));
    certs.write("other-name", "not a certificate", "not a key");
    await proxy.reload(cfg);
    const still = await connectTls(port, { ca: certs.ca.certPem, servername: "localhost" });
    assert.match(still.peer.subjectaltname ?? "", /other\.example\.com/);
    still.socket.destroy();
  });
});

test("TLS sessions resume with a ticket", async () => {
  await withProxy(httpsConfig(), async (proxy) => {
    const port = proxy.ports["websecure"]!;
    const session = await new Promise<Buffer>((resolve, reject) => {
      const s = tls.connect({ host: "127.0.0.1", port, servername: "shop.example.com", ca: certs.ca.certPem, maxVersion: "TLSv1.2" }, () => {
        s.once("session", (buf: Buffer) => {
          resolve(buf);
          s.destroy();
        });
        // TLS 1.2 delivers the ticket in the handshake; ask for it if it is already there.
        const existing = s.getSession();
        if (existing) {
          resolve(existing);
          s.destroy();
        }
      });
      s.on("error", reject);
    });
    const resumed = await connectTls(port, { servername: "shop.example.com", ca: certs.ca.certPem, maxVersion: "TLSv1.2", session });
    assert.equal(resumed.socket.isSessionReused(), true);
    resumed.socket.destroy();
  });
});
