/**
 * `edgeform dev` serves HTTPS out of the box: an https listener whose
 * certificates come from ACME is served with a certificate from the local CA
 * (created once in the user's edgeform data directory, key readable by the
 * user only), issued for localhost, 127.0.0.1 and the spec's hosts, and dev
 * says how to trust it. The http listener redirects to it.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { test } from "node:test";
import { allocatePorts } from "../../src/dev/ports.js";

const repo = new URL("../../../", import.meta.url).pathname;

function httpsGet(port: number, host: string, ca: string): Promise<{ status: number; body: string; cn: string | undefined; names: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: "127.0.0.1", port, path: "/hello", servername: host, headers: { host }, ca, agent: false }, (res) => {
      const cert = (res.socket as import("node:tls").TLSSocket).getPeerCertificate();
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode!, body, cn: cert.subject?.CN as string | undefined, names: cert.subjectaltname }));
    });
    req.setTimeout(10_000, () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end();
  });
}

test("edgeform dev serves an ACME https listener with a local-CA certificate and prints how to trust it", { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "edgeform-dev-https-"));
  const dataDir = join(dir, "data");
  const [httpPort, httpsPort] = (await allocatePorts(2)) as [number, number];
  const spec = join(dir, "shop.yaml");
  writeFileSync(spec, `version: 1
name: shop
fleets:
  web:
    image: edgeform/demo-origin:0.1.0
    port: 8080
    dev: { command: edgeform origin }
edge:
  listeners:
    - { name: web, protocol: http, port: ${httpPort}, redirectToHttps: websecure }
    - name: websecure
      protocol: https
      port: ${httpsPort}
      tls:
        acme: { email: ops@example.com, domains: [shop.example.com] }
        hsts: { maxAge: 1d }
  routes:
    - match: { host: shop.example.com, pathPrefix: / }
      fleet: web
    - match: { pathPrefix: / }
      fleet: web
`);
  const child = spawn(process.execPath, [join(repo, "bin/edgeform.js"), "dev", spec, "--no-tty", "--format", "json"], {
    env: { ...process.env, EDGEFORM_DATA_DIR: dataDir },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const events: Array<Record<string, unknown>> = [];
  const stderr: string[] = [];
  createInterface({ input: child.stderr! }).on("line", (l) => stderr.push(l));
  const ready = new Promise<Record<string, unknown>>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on("line", (line) => {
      try {
        const e = JSON.parse(line) as Record<string, unknown>;
        events.push(e);
        if (e["event"] === "ready") resolve(e);
      } catch {
        // not an event
      }
    });
    child.once("exit", (code) => reject(new Error(`dev exited with ${code}: ${stderr.join("\n")} ${JSON.stringify(events)}`)));
  });
  try {
    const r = await ready;
    const urls = (r["listeners"] as Array<{ url: string }>).map((l) => l.url);
    assert.deepEqual(urls, [`http://127.0.0.1:${httpPort}`, `https://127.0.0.1:${httpsPort}`]);
    const caFile = join(dataDir, "ca", "edgeform-local-ca.pem");
    const notice = events.find((e) => e["event"] === "notice" && String(e["message"]).includes("NODE_EXTRA_CA_CERTS"));
    assert.ok(notice, JSON.stringify(events));
    assert.match(String(notice["message"]), new RegExp(`export NODE_EXTRA_CA_CERTS=${caFile.replace(/[.]/g, "\\.")}`));
    assert.equal(statSync(join(dataDir, "ca", "edgeform-local-ca-key.pem")).mode & 0o777, 0o600);
    const ca = readFileSync(caFile, "utf8");
    for (const host of ["localhost", "shop.example.com"]) {
      const res = await httpsGet(httpsPort, host, ca);
      assert.equal(res.status, 200, `${host}: ${res.body}`);
      assert.match(res.names ?? "", /DNS:localhost/);
      assert.match(res.names ?? "", /DNS:shop\.example\.com/);
      assert.match(res.names ?? "", /IP Address:127\.0\.0\.1/);
    }
    // node:http, since fetch may not set Host.
    const redirect = await new Promise<http.IncomingMessage>((resolve, reject) => {
      http.get({ host: "127.0.0.1", port: httpPort, path: "/cart", headers: { host: "shop.example.com" }, agent: false }, (res) => resolve(res.resume())).on("error", reject);
    });
    assert.equal(redirect.statusCode, 308);
    assert.equal(redirect.headers["location"], `https://shop.example.com:${httpsPort}/cart`);
  } finally {
    child.kill("SIGTERM");
    await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once("exit", r)));
    rmSync(dir, { recursive: true, force: true });
  }
});
