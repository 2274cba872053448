/** Plain round-robin honours endpoint weights when they differ (issue #17: they were silently ignored). */
import assert from "node:assert/strict";
import { test } from "node:test";
import { RoundRobinSelector } from "../../src/proxy/upstream/index.js";
import { first, setOf, states } from "./support.js";

function shares(weights: number[], picks: number): Map<string, number> {
  const set = setOf(states(weights));
  const rr = new RoundRobinSelector();
  const m = new Map<string, number>();
  for (let i = 0; i < picks; i++) {
    const host = first(rr.candidates(set, {}))!;
    m.set(host, (m.get(host) ?? 0) + 1);
  }
  return m;
}

test("weights 3,1 give three requests to the first backend for every one to the second", () => {
  assert.deepEqual(Object.fromEntries(shares([3, 1], 400)), { "10.0.0.1": 300, "10.0.0.2": 100 });
});

test("equal weights (of any size) keep the plain rotation", () => {
  assert.deepEqual(Object.fromEntries(shares([5, 5, 5], 300)), { "10.0.0.1": 100, "10.0.0.2": 100, "10.0.0.3": 100 });
});

test("a weighted set still yields every usable backend once, for retries", () => {
  const set = setOf(states([4, 1, 1]));
  const got = [...new RoundRobinSelector().candidates(set, {})].map((s) => s.backend.host).sort();
  assert.deepEqual(got, ["10.0.0.1", "10.0.0.2", "10.0.0.3"]);
});
