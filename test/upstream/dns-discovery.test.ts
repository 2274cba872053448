import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { ClusterConfig } from "../../src/plan/proxy-config.js";
import { Fleet, DnsDiscovery, StaticDiscovery, type Lookup } from "../../src/proxy/upstream/index.js";
import { waitFor } from "./support.js";

type Records = Record<string, Array<{ address: string; family: 4 | 6 }> | Error>;

function fakeDns(records: Records): { lookup: Lookup; calls: string[] } {
  const calls: string[] = [];
  const lookup: Lookup = async (host) => {
    calls.push(host);
    const r = records[host];
    if (r === undefined) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
    if (r instanceof Error) throw r;
    return r;
  };
  return { lookup, calls };
}

const v4 = (address: string) => ({ address, family: 4 as const });
const v6 = (address: string) => ({ address, family: 6 as const });

describe("DnsDiscovery", () => {
  test("every A/AAAA record of every host is a backend with the host entry's port and weight", async () => {
    const { lookup } = fakeDns({ app: [v4("10.0.0.2"), v6("fd00::1"), v4("10.0.0.1")], api: [v4("10.1.0.1")] });
    const d = new DnsDiscovery([{ host: "app", port: 8080, weight: 2 }, { host: "api", port: 9000, weight: 1 }], 1000, lookup);
    const { backends, errors } = await d.discover();
    assert.deepEqual(errors, []);
    assert.deepEqual(
      backends.map((b) => [b.id, b.host, b.port, b.weight]),
      [
        ["10.0.0.1:8080", "10.0.0.1", 8080, 2],
        ["10.0.0.2:8080", "10.0.0.2", 8080, 2],
        ["[fd00::1]:8080", "fd00::1", 8080, 2],
        ["10.1.0.1:9000", "10.1.0.1", 9000, 1],
      ],
    );
  });

  test("a failed host keeps its last records and reports a coded error; others still update", async () => {
    const records: Records = { app: [v4("10.0.0.1")], api: [v4("10.1.0.1")] };
    const { lookup } = fakeDns(records);
    const d = new DnsDiscovery([{ host: "app", port: 80, weight: 1 }, { host: "api", port: 80, weight: 1 }], 1000, lookup);
    await d.discover();
    records["app"] = new Error("SERVFAIL");
    records["api"] = [v4("10.1.0.2")];
    const { backends, errors } = await d.discover();
    assert.deepEqual(backends.map((b) => b.id), ["10.0.0.1:80", "10.1.0.2:80"]);
    assert.equal(errors.length, 1);
    assert.equal((errors[0] as Error & { code: string }).code, "EF_PROXY_DISCOVERY");
    assert.match(errors[0]!.message, /"app".*SERVFAIL.*keeping 1 known backend/);
    records["api"] = [];
    const empty = await d.discover();
    assert.deepEqual(empty.backends.map((b) => b.id), ["10.0.0.1:80", "10.1.0.2:80"], "an empty answer does not empty the fleet");
    assert.equal(empty.errors.length, 2);
  });

  test("static discovery lists endpoints once each", async () => {
    const d = new StaticDiscovery([{ host: "::1", port: 80, weight: 1 }, { host: "a.internal", port: 81, weight: 3 }, { host: "::1", port: 80, weight: 5 }]);
    assert.deepEqual((await d.discover()).backends.map((b) => [b.id, b.weight]), [["[::1]:80", 1], ["a.internal:81", 3]]);
    assert.equal(d.refreshMs, undefined);
  });
});

describe("Fleet with DNS discovery", () => {
  const config = (refreshMs: number): ClusterConfig => ({
    name: "web",
    discovery: { type: "dns", hosts: [{ host: "web.internal", port: 8080, weight: 1 }], refreshMs },
    outlier: { consecutive5xx: 5, consecutiveConnectFailures: 3, baseEjectionMs: 30_000, maxEjectionMs: 300_000, panicThreshold: 50 },
  });

  test("re-resolves on the interval; a changed record set swaps the snapshot and surviving backends keep their state", async () => {
    const records: Records = { "web.internal": [v4("10.0.0.1"), v4("10.0.0.2")] };
    const { lookup, calls } = fakeDns(records);
    let changes = 0;
    const c = new Fleet(config(20), { lookup, events: { onBackendsChanged: () => changes++ } });
    try {
      await c.start();
      const first = c.snapshot();
      assert.deepEqual(first.all.map((s) => s.backend.id), ["10.0.0.1:8080", "10.0.0.2:8080"]);
      const survivor = first.all[1]!;
      c.acquire(survivor.backend);

      // Same answer in another order: not a change.
      records["web.internal"] = [v4("10.0.0.2"), v4("10.0.0.1")];
      const seen = calls.length;
      await waitFor(() => calls.length >= seen + 2, 2000, "two refreshes");
      assert.equal(c.snapshot(), first);

      records["web.internal"] = [v4("10.0.0.2"), v4("10.0.0.3")];
      await waitFor(() => c.snapshot() !== first, 2000, "the new record set");
      const next = c.snapshot();
      assert.deepEqual(next.all.map((s) => s.backend.id), ["10.0.0.2:8080", "10.0.0.3:8080"]);
      assert.equal(next.all[0], survivor, "the surviving backend keeps its state object");
      assert.equal(next.all[0]!.inflight, 1);
      assert.ok(next.version > first.version);
      assert.ok(changes >= 2);
      c.release(first.all[0]!.backend, "success", 1); // a request to a removed backend finishing: harmless
    } finally {
      c.stop();
    }
  });

  test("start() resolves even when DNS fails, reports the error, and picks the backends up once DNS answers", async () => {
    const records: Records = {};
    const { lookup } = fakeDns(records);
    const errors: Error[] = [];
    const c = new Fleet(config(20), { lookup, events: { onDiscoveryError: (e) => errors.push(e) } });
    try {
      await c.start();
      assert.equal(c.snapshot().all.length, 0);
      assert.ok(errors.length >= 1);
      assert.match(errors[0]!.message, /web\.internal.*ENOTFOUND/);
      records["web.internal"] = [v4("10.0.0.9")];
      await waitFor(() => c.snapshot().all.length === 1, 2000, "recovery");
      records["web.internal"] = new Error("timeout");
      const n = errors.length;
      await waitFor(() => errors.length > n, 2000, "a refresh error");
      assert.deepEqual(c.snapshot().all.map((s) => s.backend.id), ["10.0.0.9:8080"], "keeps the last known set");
    } finally {
      c.stop();
    }
  });

  test("stop() ends the refresh loop", async () => {
    const { lookup, calls } = fakeDns({ "web.internal": [v4("10.0.0.1")] });
    const c = new Fleet(config(10), { lookup });
    await c.start();
    c.stop();
    const n = calls.length;
    await new Promise((r) => setTimeout(r, 60));
    assert.ok(calls.length <= n + 1, `lookups after stop: ${calls.length - n}`);
  });
});
