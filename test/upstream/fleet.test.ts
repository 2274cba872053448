import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Backend } from "../../src/proxy/upstream/contracts.js";
import type { ClusterConfig } from "../../src/plan/proxy-config.js";
import { buildSnapshot, Fleet, type FleetEvents } from "../../src/proxy/upstream/index.js";
import { FakeClock, states as testStates } from "./support.js";

function staticFleet(n: number, panicThreshold: number, clock: FakeClock, events: FleetEvents = {}): Fleet {
  const config: ClusterConfig = {
    name: "app",
    discovery: { type: "static", endpoints: Array.from({ length: n }, (_, i) => ({ host: "127.0.0.1", port: 9001 + i, weight: 1 })) },
    outlier: { consecutive5xx: 3, consecutiveConnectFailures: 2, baseEjectionMs: 10_000, maxEjectionMs: 60_000, panicThreshold },
  };
  return new Fleet(config, { now: clock.now, events });
}

const ids = (bs: readonly { backend: Backend }[]): string[] => bs.map((s) => s.backend.id);

function fail5xx(c: Fleet, b: Backend, times: number): void {
  for (let i = 0; i < times; i++) {
    c.acquire(b);
    c.release(b, "http-5xx", 3);
  }
}

describe("Fleet (static discovery, fake clock)", () => {
  test("start() discovers the endpoints; the snapshot is immutable and stable between changes", async () => {
    const clock = new FakeClock();
    const c = staticFleet(3, 50, clock);
    await c.start();
    const s = c.snapshot();
    assert.equal(c.name, "app");
    assert.deepEqual(ids(s.all), ["127.0.0.1:9001", "127.0.0.1:9002", "127.0.0.1:9003"]);
    assert.deepEqual(ids(s.usable), ids(s.all));
    assert.equal(s.panic, false);
    assert.ok(Object.isFrozen(s) && Object.isFrozen(s.all) && Object.isFrozen(s.usable));
    assert.equal(c.snapshot(), s, "same object while nothing changes");
    c.stop();
    c.stop();
  });

  test("acquire/release track in-flight requests and the latency estimate without swapping the snapshot", async () => {
    const clock = new FakeClock();
    const c = staticFleet(2, 50, clock);
    await c.start();
    const s = c.snapshot();
    const b = s.all[0]!.backend;
    c.acquire(b);
    c.acquire(b);
    assert.equal(s.all[0]!.inflight, 2);
    c.release(b, "success", 40);
    assert.equal(s.all[0]!.inflight, 1);
    assert.equal(s.all[0]!.ewmaMs, 40);
    clock.advance(10);
    c.release(b, "success", 10);
    assert.ok(s.all[0]!.ewmaMs < 40 && s.all[0]!.ewmaMs > 10, `ewma ${s.all[0]!.ewmaMs}`);
    c.release(b, "success", 1);
    assert.equal(s.all[0]!.inflight, 0, "never negative");
    c.release({ id: "10.9.9.9:1", host: "10.9.9.9", port: 1, weight: 1 }, "success", 1); // unknown backend: ignored
    assert.equal(c.snapshot(), s);
    c.stop();
  });

  test("a failing request never looks fast to peak-EWMA", async () => {
    const clock = new FakeClock();
    const c = staticFleet(2, 50, clock);
    await c.start();
    const [a] = c.snapshot().all;
    c.release(a!.backend, "success", 5);
    c.release(a!.backend, "connect-failure", 1);
    assert.ok(a!.ewmaMs >= 100, `ewma after a 1 ms connect failure: ${a!.ewmaMs}`);
    c.stop();
  });

  test("N consecutive 5xx eject a backend for the base time, then it is readmitted; the next ejection is twice as long", async () => {
    const clock = new FakeClock();
    const ejections: Array<[string, number, string]> = [];
    const readmits: string[] = [];
    const c = staticFleet(4, 50, clock, {
      onEjection: (b, until, reason) => ejections.push([b.id, until, reason]),
      onReadmit: (b) => readmits.push(b.id),
    });
    await c.start();
    const b = c.snapshot().all[1]!.backend;
    fail5xx(c, b, 2);
    assert.equal(c.snapshot().usable.length, 4);
    fail5xx(c, b, 1);
    assert.deepEqual(ids(c.snapshot().usable), ["127.0.0.1:9001", "127.0.0.1:9003", "127.0.0.1:9004"]);
    assert.equal(ejections.length, 1);
    assert.equal(ejections[0]![1], clock.t + 10_000);
    assert.match(ejections[0]![2], /consecutive 5xx/);
    assert.equal(c.snapshot().all[1]!.ejectedUntil, clock.t + 10_000);
    clock.advance(9_999);
    assert.equal(c.snapshot().usable.length, 3);
    clock.advance(1);
    assert.equal(c.snapshot().usable.length, 4, "readmitted when the ejection time passes");
    assert.deepEqual(readmits, [b.id]);
    fail5xx(c, b, 3);
    assert.equal(ejections[1]![1], clock.t + 20_000);
    c.stop();
  });

  test("connect failures eject on their own threshold, and a success in between resets the count", async () => {
    const clock = new FakeClock();
    const c = staticFleet(3, 0, clock);
    await c.start();
    const b = c.snapshot().all[0]!.backend;
    c.release(b, "connect-failure", 1);
    c.release(b, "success", 1);
    c.release(b, "connect-failure", 1);
    assert.equal(c.snapshot().usable.length, 3);
    c.release(b, "connect-failure", 1);
    assert.equal(c.snapshot().usable.length, 2);
    c.stop();
  });

  test("never ejects the last usable backend, nor below the panic threshold", async () => {
    const clock = new FakeClock();
    const c = staticFleet(3, 50, clock);
    await c.start();
    const [a, b, d] = c.snapshot().all.map((s) => s.backend);
    fail5xx(c, a!, 3);
    assert.equal(c.snapshot().usable.length, 2);
    fail5xx(c, b!, 3); // would leave 1 of 3 (33% < 50%): refused
    assert.deepEqual(ids(c.snapshot().usable), [b!.id, d!.id]);
    assert.equal(c.snapshot().panic, false);

    const clock2 = new FakeClock();
    const one = staticFleet(2, 0, clock2);
    await one.start();
    const [x, y] = one.snapshot().all.map((s) => s.backend);
    fail5xx(one, x!, 3);
    fail5xx(one, y!, 30); // the last usable backend stays, even with panic mode off
    assert.deepEqual(ids(one.snapshot().usable), [y!.id]);
    c.stop();
    one.stop();
  });

  test("panic: below the threshold every backend is usable and panic is set", () => {
    const all = testStates([1, 1, 1, 1]);
    all[0]!.healthy = false;
    all[1]!.ejectedUntil = 123; // ejected counts as not usable
    const half = buildSnapshot(all, 1, 50); // 2 of 4 = 50%: not below
    assert.equal(half.panic, false);
    assert.deepEqual(ids(half.usable), [all[2]!.backend.id, all[3]!.backend.id]);
    all[2]!.healthy = false;
    const panic = buildSnapshot(all, 2, 50); // 1 of 4 = 25%
    assert.equal(panic.panic, true);
    assert.equal(panic.usable.length, 4);
    const off = buildSnapshot(all, 3, 0); // threshold 0: never panic, even with nothing usable
    all[3]!.healthy = false;
    assert.equal(buildSnapshot(all, 4, 0).usable.length, 0);
    assert.equal(off.panic, false);
  });
});
