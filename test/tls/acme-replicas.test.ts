/**
 * Two proxy processes (replicas), each with two workers, sharing one Redis
 * tier: four ACME managers, exactly one order. pebble validates HTTP-01 on
 * the first replica's http listener only, so when the order runs in the
 * second replica, the answer reaches pebble through Redis. Without Redis, the
 * workers of one replica share the directory storage the same way.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { Metrics } from "../../src/plan/metric-names.js";
import { startProxyProcess } from "../cache/proxy-process.js";
import { eventually, get, startBackend } from "../proxy/support.js";
import { freePort } from "../support/net.js";
import { startRedis } from "../support/redis.js";
import { acmeProxyConfig, DOMAIN, servedSerial } from "./acme-support.js";
import { startPebble } from "./pebble.js";

/** The proxy's log, a line each: stdout arrives as lines, stderr as chunks. */
function logLines(logs: readonly string[]): string[] {
  return logs.flatMap((chunk) => chunk.split("\n"));
}

function acmeLines(logs: readonly string[]): string {
  return logLines(logs).filter((l) => l.includes('"event":"acme-')).join("\n");
}

/** The pids of the workers that said they serve an ACME certificate. */
function workersServing(logs: readonly string[]): Set<number> {
  const pids = new Set<number>();
  for (const line of logLines(logs)) {
    if (!line.includes('"event":"acme-certificate-served"')) continue;
    pids.add((JSON.parse(line) as { pid: number }).pid);
  }
  return pids;
}

function ordersCounted(text: string, result: string): number {
  const pattern = new RegExp(`^${Metrics.acmeOrders}\\{[^}]*result="${result}"[^}]*\\} (\\d+)$`, "gm");
  return [...text.matchAll(pattern)].reduce((sum, m) => sum + Number(m[1]), 0);
}

test("two replicas with two workers each, sharing a Redis tier, run exactly one order and serve the same certificate", async (t) => {
  const backend = await startBackend("app", (_req, res) => res.end("from the app\n"));
  t.after(() => backend.close());
  const redis = await startRedis();
  t.after(() => redis.stop());
  const [httpA, httpB] = await Promise.all([freePort(), freePort()]);
  const pebble = await startPebble({ httpPort: httpA });
  t.after(() => pebble.stop());
  const shared = { backend, pebble, redis: { url: redis.url, timeoutMs: 1000 }, workers: 2 };
  // The replica pebble validates on serves before the other starts: an order the other runs at boot
  // must find it listening (as a load balancer only routes to replicas that are ready).
  const a = await startProxyProcess(acmeProxyConfig({ ...shared, httpPort: httpA }), "token-a", 30_000);
  t.after(() => a.stop());
  const b = await startProxyProcess(acmeProxyConfig({ ...shared, httpPort: httpB }), "token-b", 30_000);
  t.after(() => b.stop());
  const root = await pebble.issuingRoot();
  const serials = async () => Promise.all([a, b].flatMap((p) => [servedSerial(p.ports["websecure"]!, DOMAIN, root), servedSerial(p.ports["websecure"]!, DOMAIN, root)]));
  // Each worker says when it serves the certificate; which worker a connection reaches is the kernel's choice
  // (SO_REUSEPORT), so only the workers' own word proves all four do.
  await eventually(async () => workersServing([...a.logs, ...b.logs]).size === 4, 60_000, "all four workers to serve the ACME certificate").catch((err: Error) => {
    throw new Error(`${err.message}\nACME log lines:\n${acmeLines([...a.logs, ...b.logs])}\npebble:\n${pebble.logs.join("").slice(-3000)}`);
  });
  // Several fresh connections per replica land on either worker: all serve one certificate.
  const seen = new Set(await serials());
  for (let i = 0; i < 4; i++) for (const s of await serials()) seen.add(s);
  assert.equal(seen.size, 1, `one certificate everywhere, saw ${[...seen].join(", ")}`);
  assert.ok(![...seen].includes(undefined), "every handshake succeeds");

  const metrics = await Promise.all([a, b].map(async (p) => (await get(p.admin, "/metrics")).body));
  assert.equal(metrics.reduce((n, text) => n + ordersCounted(text, "success"), 0), 1, "one successful order across both replicas");
  assert.equal(metrics.reduce((n, text) => n + ordersCounted(text, "failure"), 0), 0, acmeLines([...a.logs, ...b.logs]));
  assert.equal(pebble.issuedCount(), 1, `pebble issued one certificate:\n${pebble.logs.join("")}`);
  assert.match(await redis.command("EXISTS", "edgeform:acme:acme-test/websecure:certificate"), /^:1/, "the certificate is kept in the Redis tier");
});

test("without a Redis tier, the workers of a replica share the directory storage: one order, one certificate", async (t) => {
  const backend = await startBackend("app", (_req, res) => res.end("from the app\n"));
  t.after(() => backend.close());
  const httpPort = await freePort();
  const pebble = await startPebble({ httpPort });
  t.after(() => pebble.stop());
  const dataDir = mkdtempSync(join(tmpdir(), "edgeform-acme-data-"));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const proxy = await startProxyProcess(acmeProxyConfig({ backend, pebble, httpPort, dataDir, workers: 3 }), "token", 30_000);
  t.after(() => proxy.stop());
  const root = await pebble.issuingRoot();
  const port = proxy.ports["websecure"]!;
  const serials = () => Promise.all(Array.from({ length: 6 }, () => servedSerial(port, DOMAIN, root)));
  await eventually(async () => workersServing(proxy.logs).size === 3, 60_000, "all three workers to serve the ACME certificate").catch((err: Error) => {
    throw new Error(`${err.message}\nACME log lines:\n${acmeLines(proxy.logs)}`);
  });
  const served = await serials();
  assert.ok(served.every((s) => s !== undefined), "every handshake succeeds");
  assert.equal(new Set(served).size, 1, `one certificate on every worker\nACME log lines:\n${acmeLines(proxy.logs)}`);
  assert.equal(ordersCounted((await get(proxy.admin, "/metrics")).body, "success"), 1, `one order across the workers\nACME log lines:\n${acmeLines(proxy.logs)}`);
  assert.equal(pebble.issuedCount(), 1);
  assert.ok(readdirSync(join(dataDir, "acme-test", "websecure")).includes("certificate"));
});
