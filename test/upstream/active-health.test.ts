/**
 * Active health checks against real servers on 127.0.0.1: a backend is
 * marked down only after unhealthyThreshold failed probes and readmitted
 * only after healthyThreshold good ones.
 */
import assert from "node:assert/strict";
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createTcpServer, type AddressInfo } from "node:net";
import { after, describe, test } from "node:test";
import type { ClusterConfig, HealthCheckConfig } from "../../src/plan/proxy-config.js";
import { Fleet, createHttpProbe, createTcpProbe } from "../../src/proxy/upstream/index.js";
import { waitFor } from "./support.js";

const cleanups: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

interface Origin {
  server: Server;
  port: number;
  mode: "ok" | "500" | "hang";
  probes: Array<{ mode: string; connection: string | undefined }>;
}

async function origin(): Promise<Origin> {
  const o = { mode: "ok", probes: [] } as unknown as Origin;
  o.server = createHttpServer((req, res) => {
    o.probes.push({ mode: o.mode, connection: req.headers.connection });
    if (o.mode === "hang") return; // never answers: the probe must time out
    res.statusCode = o.mode === "500" ? 500 : 200;
    res.end("x");
  });
  await new Promise<void>((r) => o.server.listen(0, "127.0.0.1", r));
  o.port = (o.server.address() as AddressInfo).port;
  cleanups.push(() => closeServer(o.server));
  return o;
}

function closeServer(server: { close(cb: () => void): void; closeAllConnections?: () => void }): Promise<void> {
  server.closeAllConnections?.();
  return new Promise((r) => server.close(() => r()));
}

const hc = (protocol: "http" | "tcp", over: Partial<HealthCheckConfig> = {}): HealthCheckConfig => ({
  protocol,
  path: "/healthz",
  expectStatus: [[200, 399]],
  intervalMs: 50,
  timeoutMs: 40,
  healthyThreshold: 2,
  unhealthyThreshold: 3,
  ...over,
});

/** `probeCount`, when given, is sampled at each health change (the test may observe it later, under load). */
function cluster(ports: number[], healthCheck: HealthCheckConfig, panicThreshold = 0, probeCount?: () => number) {
  const changes: Array<{ id: string; healthy: boolean; reason: string; probes?: number }> = [];
  const config: ClusterConfig = {
    name: "fleet",
    discovery: { type: "static", endpoints: ports.map((port) => ({ host: "127.0.0.1", port, weight: 1 })) },
    healthCheck,
    outlier: { consecutive5xx: 5, consecutiveConnectFailures: 3, baseEjectionMs: 30_000, maxEjectionMs: 300_000, panicThreshold },
  };
  const c = new Fleet(config, { events: { onHealthChange: (b, healthy, reason) => changes.push({ id: b.id, healthy, reason, ...(probeCount ? { probes: probeCount() } : {}) }) } });
  cleanups.push(() => c.stop());
  return { c, changes };
}

const usableIds = (c: Fleet): string[] => c.snapshot().usable.map((s) => s.backend.id);

describe("active HTTP health checks", () => {
  test("a backend answering 500 goes down after 3 failed probes and comes back after 2 good ones", async () => {
    const a = await origin();
    const b = await origin();
    const { c, changes } = cluster([a.port, b.port], hc("http"), 0, () => b.probes.length);
    await c.start();
    await waitFor(() => b.probes.length >= 2, 2000, "probes to run");
    assert.deepEqual(usableIds(c), [`127.0.0.1:${a.port}`, `127.0.0.1:${b.port}`]);

    b.mode = "500";
    const goodBefore = b.probes.length;
    await waitFor(() => changes.length === 1, 3000, "b marked down");
    const down = changes[0]!;
    assert.deepEqual([down.id, down.healthy, down.reason], [`127.0.0.1:${b.port}`, false, "HTTP 500 not expected"]);
    // A probe in flight when the mode changed may still have been answered "ok".
    const failedAtFlip = b.probes.slice(goodBefore, down.probes).filter((p) => p.mode === "500").length;
    assert.equal(failedAtFlip, 3, "down exactly at the third failed probe");
    assert.deepEqual(usableIds(c), [`127.0.0.1:${a.port}`]);

    b.mode = "ok";
    await waitFor(() => changes.length === 2, 3000, "b readmitted");
    const up = changes[1]!;
    assert.equal(up.healthy, true);
    assert.deepEqual(b.probes.slice(down.probes, up.probes).map((p) => p.mode).slice(-2), ["ok", "ok"]);
    assert.equal(b.probes.slice(down.probes, up.probes).filter((p) => p.mode === "ok").length, 2, "up exactly at the second good probe");
    assert.deepEqual(usableIds(c), [`127.0.0.1:${a.port}`, `127.0.0.1:${b.port}`]);
    assert.ok(a.probes.every((p) => p.mode === "ok"));
    assert.equal(changes.filter((x) => x.id.endsWith(`:${a.port}`)).length, 0, "a never flipped");
  });

  test("a backend that stops listening goes down, and is readmitted when it listens again", async () => {
    const a = await origin();
    const b = await origin();
    const { c, changes } = cluster([a.port, b.port], hc("http"));
    await c.start();
    await closeServer(b.server);
    await waitFor(() => changes.length === 1, 3000, "b marked down");
    assert.equal(changes[0]!.healthy, false);
    assert.match(changes[0]!.reason, /ECONNREFUSED/);
    await new Promise<void>((r) => b.server.listen(b.port, "127.0.0.1", r));
    await waitFor(() => changes.length === 2, 3000, "b readmitted");
    assert.equal(changes[1]!.healthy, true);
    assert.equal(usableIds(c).length, 2);
  });

  test("probes time out, and never keep a connection open", async () => {
    const b = await origin();
    const { c, changes } = cluster([b.port], hc("http"));
    await c.start();
    await waitFor(() => b.probes.length >= 2, 2000, "probes");
    assert.ok(b.probes.every((p) => p.connection === "close"));
    const open = await new Promise<number>((r, j) => b.server.getConnections((e, n) => (e ? j(e) : r(n))));
    assert.ok(open <= 1, `connections open between probes: ${open}`);
    b.mode = "hang";
    await waitFor(() => changes.length === 1, 3000, "b marked down by timeouts");
    assert.match(changes[0]!.reason, /timeout after 40ms/);
  });

  test("panic: with 2 of 3 backends down and a 50% threshold, traffic goes to all three", async () => {
    const os = [await origin(), await origin(), await origin()];
    const { c } = cluster(os.map((o) => o.port), hc("http", { unhealthyThreshold: 1 }), 50);
    await c.start();
    os[0]!.mode = "500";
    await waitFor(() => c.snapshot().usable.length === 2, 3000, "one down");
    assert.equal(c.snapshot().panic, false);
    os[1]!.mode = "500";
    await waitFor(() => c.snapshot().panic, 3000, "panic");
    assert.equal(c.snapshot().usable.length, 3);
    os[0]!.mode = "ok";
    await waitFor(() => !c.snapshot().panic, 3000, "panic over");
    assert.equal(c.snapshot().usable.length, 2);
  });

  test("a passively ejected backend stays out while its health endpoint is fine, and is readmitted on a down→up flip", async () => {
    const a = await origin();
    const b = await origin();
    const readmits: string[] = [];
    const config: ClusterConfig = {
      name: "fleet",
      discovery: { type: "static", endpoints: [a, b].map((o) => ({ host: "127.0.0.1", port: o.port, weight: 1 })) },
      // A generous probe timeout: under load one slow probe would count as a down→up flip and readmit b early.
      healthCheck: hc("http", { unhealthyThreshold: 1, healthyThreshold: 1, timeoutMs: 1_000 }),
      outlier: { consecutive5xx: 2, consecutiveConnectFailures: 2, baseEjectionMs: 60_000, maxEjectionMs: 60_000, panicThreshold: 0 },
    };
    const c = new Fleet(config, { events: { onReadmit: (bk) => readmits.push(bk.id) } });
    cleanups.push(() => c.stop());
    await c.start();
    const bb = c.snapshot().all[1]!.backend;
    c.release(bb, "http-5xx", 1);
    c.release(bb, "http-5xx", 1);
    assert.equal(c.snapshot().usable.length, 1);
    const probesBefore = b.probes.length;
    await waitFor(() => b.probes.length >= probesBefore + 3, 2000, "more probes");
    assert.equal(c.snapshot().usable.length, 1, "good probes alone do not end an ejection");
    b.mode = "500";
    await waitFor(() => !c.snapshot().all[1]!.healthy, 2000, "b down");
    b.mode = "ok";
    await waitFor(() => c.snapshot().usable.length === 2, 2000, "b readmitted");
    assert.equal(c.snapshot().all[1]!.ejectedUntil, 0);
    assert.deepEqual(readmits, [bb.id]);
  });

  test("expectStatus ranges decide what counts as healthy", async () => {
    const b = await origin();
    b.mode = "500";
    const probe = createHttpProbe({ path: "healthz", expectStatus: [[200, 204], [500, 500]], timeoutMs: 500 });
    assert.deepEqual(await probe({ id: "x", host: "127.0.0.1", port: b.port, weight: 1 }), { ok: true, reason: "HTTP 500" });
  });
});

describe("active TCP health checks", () => {
  test("a closed port goes down after 3 failed connects and comes back after 2", async () => {
    const server = createTcpServer((s) => s.destroy());
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    const other = createTcpServer((s) => s.destroy());
    await new Promise<void>((r) => other.listen(0, "127.0.0.1", r));
    const otherPort = (other.address() as AddressInfo).port;
    cleanups.push(() => new Promise<void>((r) => other.close(() => r())));

    const { c, changes } = cluster([port, otherPort], hc("tcp"));
    await c.start();
    const downAt = Date.now();
    await new Promise<void>((r) => server.close(() => r()));
    await waitFor(() => changes.length === 1, 3000, "marked down");
    assert.equal(changes[0]!.healthy, false);
    assert.ok(Date.now() - downAt >= 100, "three probes 50 ms apart take at least 100 ms");
    assert.deepEqual(usableIds(c), [`127.0.0.1:${otherPort}`]);
    await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
    await waitFor(() => changes.length === 2, 3000, "readmitted");
    assert.equal(changes[1]!.healthy, true);
    assert.equal(usableIds(c).length, 2);
  });

  test("a refused connect is a failure that names its cause", async () => {
    // A port that was just freed, so nobody listens on it.
    const server = createTcpServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    await new Promise<void>((r) => server.close(() => r()));
    const result = await createTcpProbe({ timeoutMs: 500 })({ id: "x", host: "127.0.0.1", port, weight: 1 });
    assert.deepEqual(result, { ok: false, reason: "ECONNREFUSED" });
  });
});

test("probes of an impossible address report a failure instead of throwing", async () => {
  const bad = { id: "127.0.0.1:70000", host: "127.0.0.1", port: 70000, weight: 1 };
  const http = await createHttpProbe({ path: "/", expectStatus: [[200, 399]], timeoutMs: 200 })(bad);
  const tcp = await createTcpProbe({ timeoutMs: 200 })(bad);
  assert.equal(http.ok, false);
  assert.equal(tcp.ok, false);
  assert.match(http.reason + tcp.reason, /ERR_SOCKET_BAD_PORT/);
});
