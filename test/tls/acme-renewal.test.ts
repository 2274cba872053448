/**
 * Renewal against pebble issuing short-lived certificates (its
 * certificateValidityPeriod): the manager renews at two thirds of the
 * lifetime, new handshakes get the new certificate, and a connection opened
 * on the old one keeps working.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { pino } from "pino";
import { Metrics } from "../../src/plan/metric-names.js";
import { freePort } from "../support/net.js";
import { eventually, LogCapture, startBackend, withProxy } from "../proxy/support.js";
import { acmeProxyConfig, DOMAIN, handshake, servedSerial } from "./acme-support.js";
import { startPebble } from "./pebble.js";

/** One request on an open TLS connection; resolves with the response head and body as text. */
function requestOn(socket: import("node:tls").TLSSocket): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    const onError = (err: Error) => finish(err);
    const finish = (err?: Error) => {
      clearTimeout(timer);
      socket.off("data", onData);
      socket.off("error", onError);
      if (err) reject(err);
      else resolve(text);
    };
    const timer = setTimeout(() => finish(new Error(`no complete response on the open connection: ${JSON.stringify(text)}`)), 5000);
    const onData = (d: Buffer) => {
      text += d.toString("latin1");
      if (/\r\n\r\n[\s\S]*from the app\n/.test(text)) finish();
    };
    socket.on("data", onData);
    socket.on("error", onError);
    socket.write(`GET / HTTP/1.1\r\nHost: ${DOMAIN}\r\n\r\n`);
  });
}

test("a short-lived certificate is renewed before it expires and swapped in without dropping an open connection", async (t) => {
  const backend = await startBackend("app", (_req, res) => res.end("from the app\n"));
  t.after(() => backend.close());
  const httpPort = await freePort();
  const pebble = await startPebble({ httpPort, validitySeconds: 15 });
  t.after(() => pebble.stop());
  const logs = new LogCapture();
  await withProxy(acmeProxyConfig({ httpPort, backend, pebble }), async (proxy) => {
    const port = proxy.ports["websecure"]!;
    const root = await pebble.issuingRoot();
    await eventually(async () => (await servedSerial(port, DOMAIN, root)) !== undefined, 30_000, "the first certificate");
    const open = await handshake(port, DOMAIN, root);
    t.after(() => open.socket.destroy());
    assert.match(await requestOn(open.socket), /^HTTP\/1\.1 200/);
    // Renewal is due 10 s (minus jitter) into the 15 s lifetime. The open connection is used every
    // round, within the proxy's keep-alive timeout, so only a swap that dropped it could end it.
    await eventually(async () => {
      assert.match(await requestOn(open.socket), /^HTTP\/1\.1 200/);
      await new Promise((r) => setTimeout(r, 500));
      const now = await servedSerial(port, DOMAIN, root);
      return now !== undefined && now !== open.serial;
    }, 30_000, "a renewed certificate on new connections");
    assert.match(await requestOn(open.socket), /^HTTP\/1\.1 200/, "the connection opened on the old certificate still works");
    assert.equal(open.socket.getPeerCertificate().serialNumber, open.serial);
    const text = await proxy.metrics.registry.metrics();
    assert.match(text, new RegExp(`^${Metrics.acmeOrders}\\{listener="websecure",kind="renew",result="success"\\} [1-9]`, "m"));
    assert.ok(logs.lines.some((l) => l["event"] === "acme-issued" && l["kind"] === "renew"));
  }, { logger: pino({ level: "info" }, logs) });
});
