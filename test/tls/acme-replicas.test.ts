/**
 * Two proxy processes (replicas), each with two workers, sharing one Redis
 * tier: four ACME managers, exactly one order. pebble validates HTTP-01 on
 * the first replica's http listener only, so when the order runs in the
 * second replica, the answer reaches pebble through Redis.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Metrics } from "../../src/plan/metric-names.js";
import { startProxyProcess } from "../cache/proxy-process.js";
import { eventually, get, sleep, startBackend } from "../proxy/support.js";
import { freePort } from "../support/net.js";
import { startRedis } from "../support/redis.js";
import { acmeProxyConfig, DOMAIN, servedSerial } from "./acme-support.js";
import { startPebble } from "./pebble.js";

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
  const [a, b] = await Promise.all([
    startProxyProcess(acmeProxyConfig({ ...shared, httpPort: httpA }), "token-a", 30_000),
    startProxyProcess(acmeProxyConfig({ ...shared, httpPort: httpB }), "token-b", 30_000),
  ]);
  t.after(async () => {
    await a.stop();
    await b.stop();
  });
  const root = await pebble.issuingRoot();
  const serials = async () => Promise.all([a, b].flatMap((p) => [servedSerial(p.ports["websecure"]!, DOMAIN, root), servedSerial(p.ports["websecure"]!, DOMAIN, root)]));
  await eventually(async () => (await serials()).every((s) => s !== undefined), 60_000, "both replicas to serve the ACME certificate");
  // Several fresh connections per replica land on either worker (SO_REUSEPORT): all serve one certificate.
  await sleep(1500);
  const seen = new Set(await serials());
  for (let i = 0; i < 4; i++) for (const s of await serials()) seen.add(s);
  assert.equal(seen.size, 1, `one certificate everywhere, saw ${[...seen].join(", ")}`);

  const metrics = await Promise.all([a, b].map(async (p) => (await get(p.admin, "/metrics")).body));
  assert.equal(metrics.reduce((n, text) => n + ordersCounted(text, "success"), 0), 1, "one successful order across both replicas");
  assert.equal(metrics.reduce((n, text) => n + ordersCounted(text, "failure"), 0), 0);
  assert.equal(pebble.issuedCount(), 1, `pebble issued one certificate:\n${pebble.logs.join("")}`);
  assert.match(await redis.command("EXISTS", "edgeform:acme:acme-test/websecure:certificate"), /^:1/, "the certificate is kept in the Redis tier");
});
