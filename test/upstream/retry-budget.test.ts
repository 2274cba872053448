import assert from "node:assert/strict";
import { test } from "node:test";
import { RetryBudget } from "../../src/proxy/upstream/index.js";
import { FakeClock } from "./support.js";

function drain(b: RetryBudget): number {
  let n = 0;
  while (b.tryAcquireRetry() && n < 100_000) n++;
  return n;
}

test("a quiet proxy may always make minPerSecond retries per second", () => {
  const clock = new FakeClock(5_000_000);
  const b = new RetryBudget({ ratio: 0.2, minPerSecond: 3 }, clock.now);
  assert.equal(drain(b), 3);
  clock.advance(1000);
  assert.equal(drain(b), 3, "the floor renews each second");
});

test("under load, retries are capped at ratio × requests of the last 10 s", () => {
  const clock = new FakeClock(5_000_000);
  const b = new RetryBudget({ ratio: 0.2, minPerSecond: 0 }, clock.now);
  for (let i = 0; i < 1000; i++) b.requestStarted();
  assert.equal(drain(b), 200);
  clock.advance(5_000);
  assert.equal(drain(b), 0, "still within the window");
  for (let i = 0; i < 100; i++) b.requestStarted();
  assert.equal(drain(b), 20);
  clock.advance(5_000); // the first 1000 requests and 200 retries leave the window
  assert.equal(drain(b), 0, "100 requests and 20 retries left: at the ratio");
  clock.advance(5_000);
  for (let i = 0; i < 50; i++) b.requestStarted();
  assert.equal(drain(b), 10);
});

test("floor and ratio add up in one second, and a long pause clears the window", () => {
  const clock = new FakeClock(5_000_000);
  const b = new RetryBudget({ ratio: 0.5, minPerSecond: 2 }, clock.now);
  for (let i = 0; i < 10; i++) b.requestStarted();
  assert.equal(drain(b), 5, "the first 2 (floor) also count against the ratio's 5");
  clock.advance(3_600_000);
  assert.equal(drain(b), 2);
});

test("active counts requests in flight", () => {
  const b = new RetryBudget({ ratio: 0.2, minPerSecond: 10 });
  b.requestStarted();
  b.requestStarted();
  b.requestFinished();
  assert.equal(b.active, 1);
  b.requestFinished();
  b.requestFinished();
  assert.equal(b.active, 0);
});
