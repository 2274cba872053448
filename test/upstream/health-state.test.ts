import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { OutlierConfig } from "../../src/plan/proxy-config.js";
import { ConsecutiveThreshold, ejectionDuration, OutlierDetector } from "../../src/proxy/upstream/index.js";
import { FakeClock } from "./support.js";

describe("consecutive thresholds", () => {
  test("flip to unhealthy only after unhealthyThreshold failures in a row", () => {
    const t = new ConsecutiveThreshold({ healthyThreshold: 2, unhealthyThreshold: 3 });
    assert.equal(t.healthy, true);
    assert.equal(t.record(false), false);
    assert.equal(t.record(false), false);
    assert.equal(t.record(true), false, "a success breaks the streak");
    assert.equal(t.record(false), false);
    assert.equal(t.record(false), false);
    assert.equal(t.healthy, true);
    assert.equal(t.record(false), true, "third failure in a row flips");
    assert.equal(t.healthy, false);
    assert.equal(t.record(false), false, "further failures do not flip again");
  });

  test("flip back to healthy only after healthyThreshold successes in a row", () => {
    const t = new ConsecutiveThreshold({ healthyThreshold: 2, unhealthyThreshold: 1 }, false);
    assert.equal(t.record(true), false);
    assert.equal(t.record(false), false);
    assert.equal(t.record(true), false);
    assert.equal(t.record(true), true);
    assert.equal(t.healthy, true);
    assert.equal(t.record(false), true, "unhealthyThreshold 1 flips at once");
  });
});

const outlier: OutlierConfig = { consecutive5xx: 3, consecutiveConnectFailures: 2, baseEjectionMs: 1000, maxEjectionMs: 5000, panicThreshold: 50 };

describe("passive outlier detection", () => {
  test("ejection time doubles per ejection and is capped", () => {
    assert.deepEqual([1, 2, 3, 4, 5, 40].map((k) => ejectionDuration(outlier, k)), [1000, 2000, 4000, 5000, 5000, 5000]);
  });

  test("consecutive 5xx (and resets/timeouts) trigger after the threshold; a success resets the streak", () => {
    const clock = new FakeClock();
    const d = new OutlierDetector(outlier, clock.now);
    assert.equal(d.record("http-5xx"), undefined);
    assert.equal(d.record("reset"), undefined);
    assert.equal(d.record("success"), undefined);
    assert.equal(d.record("http-5xx"), undefined);
    assert.equal(d.record("timeout"), undefined);
    assert.match(d.record("http-5xx")!, /3 consecutive 5xx/);
  });

  test("consecutive connect failures trigger on their own threshold", () => {
    const d = new OutlierDetector(outlier, new FakeClock().now);
    assert.equal(d.record("connect-failure"), undefined);
    assert.match(d.record("connect-failure")!, /2 consecutive connect failures/);
  });

  test("a threshold of 0 disables that detector", () => {
    const d = new OutlierDetector({ ...outlier, consecutive5xx: 0, consecutiveConnectFailures: 0 }, new FakeClock().now);
    for (let i = 0; i < 100; i++) assert.equal(d.record(i % 2 ? "http-5xx" : "connect-failure"), undefined);
  });

  test("eject → readmit when the time passes → eject again for twice as long", () => {
    const clock = new FakeClock();
    const d = new OutlierDetector(outlier, clock.now);
    d.record("connect-failure");
    d.record("connect-failure");
    assert.equal(d.eject(), clock.t + 1000);
    assert.equal(d.record("connect-failure"), undefined, "no new verdict while ejected");
    clock.advance(999);
    assert.equal(d.readmitIfDue(), false);
    clock.advance(1);
    assert.equal(d.readmitIfDue(), true);
    assert.equal(d.ejectedUntil, 0);
    d.record("connect-failure");
    assert.ok(d.record("connect-failure"));
    assert.equal(d.eject(), clock.t + 2000);
    clock.advance(2000);
    d.readmitIfDue();
    assert.equal(d.nextEjectionMs(), 4000);
  });

  test("a backend that behaved for maxEjection since readmission starts over at the base time", () => {
    const clock = new FakeClock();
    const d = new OutlierDetector(outlier, clock.now);
    d.eject();
    clock.advance(1000);
    d.readmitIfDue();
    d.eject();
    clock.advance(2000);
    d.readmitIfDue();
    assert.equal(d.nextEjectionMs(), 4000);
    clock.advance(5000);
    assert.equal(d.nextEjectionMs(), 1000);
    assert.equal(d.eject(), clock.t + 1000);
  });
});
