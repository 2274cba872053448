/**
 * Automatic certificates against a real ACME server (pebble on loopback, not
 * in always-valid mode): pebble validates HTTP-01 by fetching the token from
 * the proxy's own http listener, and the certificate is then served over TLS
 * for the domain, chaining to pebble's root. State goes to the directory
 * storage when there is no Redis tier.
 */
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { readdirSync, statSync } from "node:fs";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { pino } from "pino";
import { Metrics } from "../../src/plan/metric-names.js";
import { freePort } from "../support/net.js";
import { eventually, get, LogCapture, startBackend, withProxy, type Backend } from "../proxy/support.js";
import { acmeProxyConfig, DOMAIN, handshake, servedSerial } from "./acme-support.js";
import { startPebble, type TestPebble } from "./pebble.js";
import { CertDir, httpsGet } from "./support.js";

const REFUSED = "refused.edgeform.test";
let backend: Backend;
let pebble: TestPebble;
let httpPort: number;

before(async () => {
  backend = await startBackend("app", (_req, res) => res.end("from the app\n"));
  httpPort = await freePort();
  pebble = await startPebble({ httpPort, blocklist: [REFUSED] });
});

after(async () => {
  // Undefined when a name filter skipped the `before` hook.
  await pebble?.stop();
  await backend?.close();
});

test("HTTP-01 validated by pebble against the proxy's http listener (answered before its redirect to https) gets a certificate that is served for the domain, chained to pebble's root", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "edgeform-acme-data-"));
  const logs = new LogCapture();
  // Redirected, pebble would follow to https on port 1 and fail: only an answer before the redirect validates.
  const cfg = acmeProxyConfig({ httpPort, backend, pebble, dataDir, redirectToHttpsPort: 1 });
  try {
    await withProxy(cfg, async (proxy) => {
      const port = proxy.ports["websecure"]!;
      const root = await pebble.issuingRoot();
      await eventually(async () => (await servedSerial(port, DOMAIN, root)) !== undefined, 60_000, "the ACME certificate to be served");
      const served = await handshake(port, DOMAIN, root);
      served.socket.destroy();
      const leaf = new X509Certificate(served.chain[0]!);
      assert.match(leaf.subjectAltName ?? "", new RegExp(`DNS:${DOMAIN.replace(/\./g, "\\.")}`));
      // Leaf → pebble's intermediate → pebble's root (verified by the handshake trusting only that root).
      const rootCert = new X509Certificate(root);
      const issuer = new X509Certificate(served.chain[1]!);
      assert.ok(leaf.checkIssued(issuer) && leaf.verify(issuer.publicKey), "the leaf is signed by pebble's intermediate");
      assert.ok(issuer.checkIssued(rootCert) && issuer.verify(rootCert.publicKey), "the intermediate is signed by pebble's root");
      // HTTP over that TLS reaches the app.
      const reply = await httpsGet(port, "/", { ca: root, servername: DOMAIN });
      assert.equal(reply.status, 200);
      assert.equal(reply.body, "from the app\n");
      assert.equal((await get(httpPort, "/")).status, 308, "everything else on the http listener is redirected");
      // pebble fetched the token from the http listener: answered 200 there, before routing.
      const text = await proxy.metrics.registry.metrics();
      assert.match(text, /^edgeform_http_requests_total\{listener="web",route="",fleet="",backend="",status_class="2xx"\} [1-9]/m);
      assert.match(text, new RegExp(`^${Metrics.acmeOrders}\\{listener="websecure",kind="obtain",result="success"\\} 1$`, "m"));
      assert.ok(logs.lines.some((l) => l["event"] === "acme-issued"), "the order is logged");
    }, { logger: pino({ level: "info" }, logs) });
    // Directory storage: account key and certificate readable by the owner only; no private key in any log line.
    const dir = join(dataDir, "acme-test", "websecure");
    const files = readdirSync(dir);
    assert.ok(files.includes("account-key") && files.includes("certificate"), `stored: ${files.join(", ")}`);
    for (const f of ["account-key", "certificate"]) assert.equal(statSync(join(dir, f)).mode & 0o777, 0o600, `${f} is 0600`);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.ok(!JSON.stringify(logs.lines).includes("PRIVATE KEY"), "no private key in the logs");
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test("the challenge path answers 404 for an unknown token on an ACME topology's http listener, without routing it", async () => {
  const cfg = acmeProxyConfig({ httpPort: 0, backend, pebble, domains: ["unused.edgeform.test"], retry: { minMs: 600_000, maxMs: 600_000 } });
  const logs = new LogCapture();
  await withProxy(cfg, async (proxy) => {
    const r = await get(proxy.ports["web"]!, "/.well-known/acme-challenge/no-such-token");
    assert.equal(r.status, 404);
    assert.match(r.body, /no such ACME challenge/);
    assert.equal((await get(proxy.ports["web"]!, "/.well-known/acme-challenge/../../etc")).status, 404);
    // Anything else is routed as usual.
    assert.equal((await get(proxy.ports["web"]!, "/")).body, "from the app\n");
    // Let the order this config starts finish (pebble cannot validate it: nothing listens where it looks).
    await eventually(() => logs.lines.some((l) => l["event"] === "acme-order-failed" || l["event"] === "acme-issued"), 30_000, "the order to end");
  }, { logger: pino({ level: "info" }, logs) });
});

test("an order the CA refuses is logged with EF_PROXY_ACME and retried with growing back-off, while the listener keeps serving its configured certificate", async () => {
  const certs = await CertDir.create();
  const logs = new LogCapture();
  try {
    const local = await certs.issue("local", { names: [REFUSED] });
    const cfg = acmeProxyConfig({ httpPort: 0, backend, pebble, domains: [REFUSED], certificates: [local], retry: { minMs: 300, maxMs: 5000 } });
    await withProxy(cfg, async (proxy) => {
      const port = proxy.ports["websecure"]!;
      const failures = () => logs.lines.filter((l) => l["event"] === "acme-order-failed");
      await eventually(async () => {
        // Served all along: the configured certificate, trusted through its own CA.
        assert.ok((await servedSerial(port, REFUSED, certs.ca.certPem)) !== undefined, "the configured certificate is served while orders fail");
        return failures().length >= 3;
      }, 30_000, "three failed orders");
      const [first, second, third] = failures();
      assert.equal(first!["code"], "EF_PROXY_ACME");
      assert.match(String(first!["msg"]), /EF_PROXY_ACME: the ACME order for refused\.edgeform\.test failed; retrying in/);
      assert.match(String(first!["err"]), /refused|rejectedIdentifier|blocklist|policy/i, "the CA's reason is in the log line");
      assert.deepEqual([first!["failures"], second!["failures"], third!["failures"]], [1, 2, 3]);
      // 300 ms, then 600 ms, then 1200 ms, each ±20%.
      assert.ok(Number(third!["retryInMs"]) > Number(first!["retryInMs"]), "the back-off grows");
      assert.ok(Number(first!["retryInMs"]) >= 240 && Number(first!["retryInMs"]) <= 360);
      const text = await proxy.metrics.registry.metrics();
      const counted = Number(new RegExp(`^${Metrics.acmeOrders}\\{listener="websecure",kind="obtain",result="failure"\\} (\\d+)$`, "m").exec(text)?.[1]);
      assert.ok(counted >= 3, `failures counted: ${counted}`);
    }, { logger: pino({ level: "info" }, logs) });
  } finally {
    certs.remove();
  }
});

test("a reload that adds a domain orders a certificate covering it, while the current one stays served", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "edgeform-acme-data-"));
  const www = "www.edgeform.test";
  try {
    const first = acmeProxyConfig({ httpPort, backend, pebble, dataDir });
    await withProxy(first, async (proxy) => {
      const port = proxy.ports["websecure"]!;
      const root = await pebble.issuingRoot();
      await eventually(async () => (await servedSerial(port, DOMAIN, root)) !== undefined, 60_000, "the first certificate");
      const before = await servedSerial(port, DOMAIN, root);
      const next = acmeProxyConfig({ httpPort, backend, pebble, dataDir, domains: [DOMAIN, www] });
      await proxy.reload(next);
      assert.equal(await servedSerial(port, DOMAIN, root), before, "the current certificate is served right after the reload");
      await eventually(async () => {
        const served = await handshake(port, www, root).catch(() => undefined);
        served?.socket.destroy();
        return served !== undefined && (new X509Certificate(served.chain[0]!).subjectAltName ?? "").includes(`DNS:${www}`);
      }, 60_000, "a certificate covering the added domain");
      assert.notEqual(await servedSerial(port, DOMAIN, root), before);
    });
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
