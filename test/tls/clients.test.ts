/**
 * HTTPS through the proxy with the clients people use: curl and
 * `openssl s_client` (Debian packages), a proxy process with two workers
 * whose session tickets resume on either worker, and the node:http fallback
 * client server terminating TLS too.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { startProxyProcess } from "../cache/proxy-process.js";
import { cluster, config, route, startBackend, withProxy, type Backend } from "../proxy/support.js";
import { createClientServer } from "../../src/proxy/http1/index.js";
import { CertDir, connectTls, httpsGet, listenerTls } from "./support.js";

const run = promisify(execFile);
let certs: CertDir;
let site: Awaited<ReturnType<CertDir["issue"]>>;
let backend: Backend;

before(async () => {
  certs = await CertDir.create();
  site = await certs.issue("site", { names: ["shop.example.com", "localhost"] });
  backend = await startBackend("origin");
});
after(async () => {
  // Undefined when a name filter skipped the `before` hook.
  await backend?.close();
  certs?.remove();
});

function tlsOnly(workers?: number) {
  return config([cluster("api", [backend])], [route("r", "api")], {
    listeners: [{ name: "web", protocol: "http", host: "127.0.0.1", port: 0, tls: listenerTls([site], { hsts: "max-age=60" }) }],
    ...(workers ? { workers } : {}),
  });
}

test("curl verifies the certificate against the CA, speaks HTTP/1.1 over TLS and sees HSTS", async () => {
  await withProxy(tlsOnly(), async (proxy) => {
    const port = proxy.ports["web"]!;
    const caFile = certs.path("curl-ca.pem");
    certs.write("curl-ca", certs.ca.certPem, "");
    const { stdout } = await run("curl", ["-sS", "-i", "--cacert", caFile, "--resolve", `shop.example.com:${port}:127.0.0.1`, `https://shop.example.com:${port}/hello`, "-w", "\n%{http_version} %{ssl_verify_result}"]);
    assert.match(stdout, /^HTTP\/1.1 200/);
    assert.match(stdout, /strict-transport-security: max-age=60/i);
    assert.match(stdout, /origin\n1.1 0$/);
    // Without the CA, curl refuses the certificate: verification is real.
    await assert.rejects(run("curl", ["-sS", "--resolve", `shop.example.com:${port}:127.0.0.1`, `https://shop.example.com:${port}/`]), /certificate/i);
  });
});

test("openssl s_client: TLS 1.3 and 1.2 negotiate with the right certificate; TLS 1.1 is refused", async () => {
  await withProxy(tlsOnly(), async (proxy) => {
    const port = proxy.ports["web"]!;
    const caFile = certs.path("s_client-ca.pem");
    certs.write("s_client-ca", certs.ca.certPem, "");
    const client = (...args: string[]) => {
      const running = run("openssl", ["s_client", "-connect", `127.0.0.1:${port}`, "-servername", "shop.example.com", "-CAfile", caFile, "-verify_return_error", ...args], { timeout: 10_000 });
      // End of input: s_client quits once the handshake is reported.
      running.child.stdin?.end();
      return running.catch((e: { stdout?: string; stderr?: string }) => ({ stdout: e.stdout ?? "", stderr: e.stderr ?? "" }));
    };
    const v13 = await client("-tls1_3", "-brief").then((r) => `${r.stdout}${r.stderr}`);
    assert.match(v13, /Protocol version: TLSv1.3/);
    assert.match(v13, /Verification: OK/);
    const v12 = await client("-tls1_2", "-brief").then((r) => `${r.stdout}${r.stderr}`);
    assert.match(v12, /Protocol version: TLSv1.2/);
    assert.match(v12, /Ciphersuite: ECDHE-ECDSA-(AES128-GCM-SHA256|AES256-GCM-SHA384|CHACHA20-POLY1305)/);
    const v11 = await client("-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0").then((r) => `${r.stdout}${r.stderr}`);
    assert.doesNotMatch(v11, /Protocol version: TLSv1.1/);
    assert.match(v11, /alert|no protocols available|wrong version|unsupported protocol/i);
  });
});

test("two workers share rotating ticket keys: a session resumes whichever worker accepts the connection", async () => {
  const proxy = await startProxyProcess(tlsOnly(2), "token");
  try {
    const first = await connectTls(proxy.web, { ca: certs.ca.certPem, servername: "localhost", maxVersion: "TLSv1.2" });
    const session = first.socket.getSession()!;
    first.socket.destroy();
    let reused = 0;
    const attempts = 16;
    for (let i = 0; i < attempts; i++) {
      const c = await connectTls(proxy.web, { ca: certs.ca.certPem, servername: "localhost", maxVersion: "TLSv1.2", session });
      if (c.socket.isSessionReused()) reused++;
      c.socket.destroy();
    }
    assert.equal(reused, attempts, `${reused} of ${attempts} connections resumed`);
    const r = await httpsGet(proxy.web, "/", { ca: certs.ca.certPem });
    assert.equal(r.body, "origin");
  } finally {
    await proxy.stop();
  }
});

test("the node:http fallback client server terminates TLS with the same options", async () => {
  const server = createClientServer(
    { headersTimeoutMs: 5000, requestTimeoutMs: 10_000, keepAliveTimeoutMs: 5000, maxHeaderSize: 16384 },
    {
      request: ({ res }) => {
        res.writeHead(200, ["content-length", "2"]);
        res.end("ok");
      },
      upgrade: ({ res }) => res.socket.destroy(),
      clientError: (_err, socket) => socket.destroy(),
      connection: () => {},
    },
    "node",
    { cert: site.certPem, key: site.keyPem, minVersion: "TLSv1.2", ALPNProtocols: ["http/1.1"] },
  );
  await new Promise<void>((r) => server.server.listen(0, "127.0.0.1", r));
  try {
    const port = (server.server.address() as import("node:net").AddressInfo).port;
    const r = await httpsGet(port, "/", { ca: certs.ca.certPem });
    assert.equal(r.body, "ok");
    await assert.rejects(connectTls(port, { maxVersion: "TLSv1.1", minVersion: "TLSv1", ciphers: "ALL:@SECLEVEL=0", rejectUnauthorized: false }));
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.server.close(r));
  }
});
