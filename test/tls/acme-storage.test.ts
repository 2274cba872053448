/**
 * The ACME storages and schedule without an ACME server: values are shared
 * between instances (as between processes), the order lock has one holder at
 * a time and only its holder can extend or release it, a dead holder's lock
 * expires, files are written 0600; renewal at two thirds of the lifetime with
 * jitter, back-off doubling up to its cap.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { silentLogger, sleep } from "../proxy/support.js";
import { startRedis } from "../support/redis.js";
import { DirectoryStorage } from "../../src/proxy/tls/acme/directory-storage.js";
import { RedisStorage } from "../../src/proxy/tls/acme/redis-storage.js";
import { renewalDue, retryDelay } from "../../src/proxy/tls/acme/schedule.js";
import type { AcmeStorage } from "../../src/proxy/tls/acme/storage.js";

async function lockContract(a: AcmeStorage, b: AcmeStorage): Promise<void> {
  await a.put("certificate", "one");
  assert.equal(await b.get("certificate"), "one", "what one instance stores, the other reads");
  await b.put("certificate", "two");
  assert.equal(await a.get("certificate"), "two");
  assert.equal(await a.get("missing"), undefined);

  const held = await a.tryLock("order", 5000);
  assert.ok(held, "a free lock is taken");
  assert.equal(await b.tryLock("order", 5000), undefined, "a held lock is refused");
  assert.equal(await a.tryLock("order", 5000), undefined, "even to the same instance: the lock is per order, not per owner");
  assert.equal(await held.extend(5000), true);
  await held.release();
  // Short enough to expire below, long enough that a loaded machine reaches the next two checks first.
  const next = await b.tryLock("order", 1500);
  assert.ok(next, "a released lock is free");
  await held.release();
  assert.equal(await a.tryLock("order", 5000), undefined, "a stale holder's release does not free someone else's lock");
  await sleep(2000);
  const takeover = await a.tryLock("order", 5000);
  assert.ok(takeover, "the lock of a holder that stopped extending it expires");
  assert.equal(await next.extend(5000), false, "the expired holder learns it lost the lock");
  await takeover.release();
}

describe("directory storage", () => {
  test("shares values and one order lock between instances; files are 0600 in a 0700 directory", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "edgeform-acme-store-"));
    try {
      const a = new DirectoryStorage(dataDir, "topo/websecure", {});
      const b = new DirectoryStorage(dataDir, "topo/websecure", {});
      await lockContract(a, b);
      const dir = join(dataDir, "topo", "websecure");
      assert.equal(statSync(dir).mode & 0o777, 0o700);
      assert.equal(statSync(join(dir, "certificate")).mode & 0o777, 0o600);
      assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith(".tmp")), [], "no temporary file left behind");
      await a.delete("certificate");
      assert.equal(await b.get("certificate"), undefined);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test("scopes keep listeners apart, and a key cannot climb out of its directory", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "edgeform-acme-store-"));
    try {
      const a = new DirectoryStorage(dataDir, "topo/one", {});
      const b = new DirectoryStorage(dataDir, "topo/two", {});
      await a.put("certificate", "for one");
      assert.equal(await b.get("certificate"), undefined);
      await a.put("../../escape", "x");
      assert.deepEqual(readdirSync(dataDir), ["topo"]);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

test("Redis storage shares values and one order lock (SET NX PX, token-checked extend and release)", async (t) => {
  const redis = await startRedis();
  t.after(() => redis.stop());
  const config = { url: redis.url, timeoutMs: 1000 };
  const a = new RedisStorage(config, "topo/websecure", silentLogger(), {});
  const b = new RedisStorage(config, "topo/websecure", silentLogger(), {});
  t.after(async () => {
    await a.close();
    await b.close();
  });
  await lockContract(a, b);
  assert.match(await redis.command("EXISTS", "edgeform:acme:topo/websecure:certificate"), /^:1/, "keys are prefixed per topology and listener");
  await a.put("http-01.tok", "answer", 1000);
  assert.equal(await b.get("http-01.tok"), "answer");
  await sleep(1500);
  assert.equal(await b.get("http-01.tok"), undefined, "challenge answers expire");
});

test("renewal is due at two thirds of the lifetime, moved earlier by at most 5% of it", () => {
  const cert = { notBefore: 0, notAfter: 90 * 86_400_000 };
  assert.equal(renewalDue(cert, () => 0), 60 * 86_400_000);
  assert.equal(renewalDue(cert, () => 1), 60 * 86_400_000 - 4.5 * 86_400_000);
});

test("a failed order backs off, doubling from min to max with ±20% jitter", () => {
  const range = { minMs: 1000, maxMs: 8000 };
  assert.deepEqual([1, 2, 3, 4, 5, 9].map((n) => retryDelay(n, range, () => 0.5)), [1000, 2000, 4000, 8000, 8000, 8000]);
  assert.equal(retryDelay(1, range, () => 0), 800);
  assert.equal(retryDelay(1, range, () => 1), 1200);
});
