import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { BackendState, Selector } from "../../src/proxy/upstream/contracts.js";
import type { BalancerConfig } from "../../src/plan/proxy-config.js";
import {
  ConsistentHashSelector,
  createSelector,
  LeastRequestSelector,
  PeakEwmaSelector,
  RandomSelector,
  RoundRobinSelector,
  seededRandom,
  WeightedRoundRobinSelector,
} from "../../src/proxy/upstream/index.js";
import { first, hosts, setOf, states } from "./support.js";

const NAMES: Record<string, string> = { "10.0.0.1": "a", "10.0.0.2": "b", "10.0.0.3": "c", "10.0.0.4": "d", "10.0.0.5": "e" };
const name = (s: BackendState): string => NAMES[s.backend.host]!;

function counts(selector: Selector, set: ReturnType<typeof setOf>, picks: number, key?: (i: number) => string): Map<string, number> {
  const m = new Map<string, number>();
  for (let i = 0; i < picks; i++) {
    for (const s of selector.candidates(set, key ? { hashKey: key(i) } : {})) {
      m.set(name(s), (m.get(name(s)) ?? 0) + 1);
      break;
    }
  }
  return m;
}

const ALGORITHMS: BalancerConfig["algorithm"][] = ["round-robin", "weighted-round-robin", "least-request", "peak-ewma", "consistent-hash", "random"];

describe("every selector", () => {
  for (const algorithm of ALGORITHMS) {
    test(`${algorithm}: yields each usable backend exactly once, never an unusable one`, () => {
      const selector = createSelector({ algorithm }, { random: seededRandom(7) });
      const all = states([1, 2, 1, 3, 1]);
      all[2]!.healthy = false;
      const set = setOf(all);
      for (let i = 0; i < 50; i++) {
        const got = [...selector.candidates(set, { hashKey: `k${i}` })].map(name);
        assert.deepEqual([...got].sort(), ["a", "b", "d", "e"], `pick ${i}: ${got.join(",")}`);
      }
    });

    test(`${algorithm}: an empty set yields nothing`, () => {
      const selector = createSelector({ algorithm });
      assert.deepEqual([...selector.candidates(setOf([]), { hashKey: "x" })], []);
    });
  }

  test("createSelector names the algorithm and rejects unknown ones with a coded error", () => {
    for (const algorithm of ALGORITHMS) assert.equal(createSelector({ algorithm }).algorithm, algorithm);
    assert.throws(() => createSelector({ algorithm: "fastest" as never }), { code: "EF_PROXY_CONFIG" });
  });
});

describe("round-robin", () => {
  test("spreads requests exactly evenly and in order", () => {
    const set = setOf(states([1, 1, 1]));
    const rr = new RoundRobinSelector();
    assert.deepEqual(Array.from({ length: 6 }, () => first(rr.candidates(set, {}))), ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.1", "10.0.0.2", "10.0.0.3"]);
    const c = counts(rr, set, 3000);
    assert.deepEqual([...c.values()], [1000, 1000, 1000]);
  });

  test("after the first choice, the candidates go on round the list: a retry gets the next backend", () => {
    const set = setOf(states([1, 1, 1]));
    const rr = new RoundRobinSelector();
    assert.deepEqual(hosts(rr.candidates(set, {})), ["10.0.0.1", "10.0.0.2", "10.0.0.3"]);
  });
});

describe("weighted round-robin (smooth)", () => {
  test("weights 5,1,1 give nginx's sequence a a b a c a a", () => {
    const set = setOf(states([5, 1, 1]));
    const wrr = new WeightedRoundRobinSelector();
    const seq = Array.from({ length: 14 }, () => {
      for (const s of wrr.candidates(set, {})) return name(s);
      return "";
    });
    assert.deepEqual(seq.join(" "), "a a b a c a a a a b a c a a");
  });

  test("shares follow the weights exactly over whole cycles and skip weight 0", () => {
    const set = setOf(states([3, 2, 0, 1]));
    const c = counts(new WeightedRoundRobinSelector(), set, 600);
    assert.deepEqual(Object.fromEntries(c), { a: 300, b: 200, d: 100 });
  });

  test("keeps its rotation when an unrelated snapshot swap happens", () => {
    const all = states([5, 1, 1]);
    const wrr = new WeightedRoundRobinSelector();
    const seq: string[] = [];
    for (let i = 0; i < 7; i++) {
      // A fresh snapshot object every pick, same usable members.
      for (const s of wrr.candidates(setOf(all), {})) {
        seq.push(name(s));
        break;
      }
    }
    assert.equal(seq.join(" "), "a a b a c a a");
  });
});

describe("least-request (power of two choices)", () => {
  test("with two backends it always prefers the idle one", () => {
    const all = states([1, 1]);
    all[0]!.inflight = 5;
    const c = counts(new LeastRequestSelector(seededRandom(1)), setOf(all), 1000);
    assert.equal(c.get("b"), 1000);
  });

  test("an idle backend among busy ones wins whenever it is one of the two choices", () => {
    const all = states([1, 1, 1, 1]);
    for (const s of all) s.inflight = 10;
    all[2]!.inflight = 0;
    const c = counts(new LeastRequestSelector(seededRandom(2)), setOf(all), 8000);
    // P(idle backend among two distinct random picks of 4) = 1/2; uniform would be 1/4.
    const share = c.get("c")! / 8000;
    assert.ok(share > 0.45 && share < 0.55, `idle share ${share}`);
  });

  test("in-flight counts are compared per unit of weight", () => {
    const all = states([4, 1]);
    all[0]!.inflight = 6; // 7/4 per weight
    all[1]!.inflight = 1; // 2/1 per weight
    const c = counts(new LeastRequestSelector(seededRandom(3)), setOf(all), 100);
    assert.equal(c.get("a"), 100);
  });

  test("simulated load: the slow backend ends up with fewer requests", () => {
    // Requests finish after 1 tick on a, 4 ticks on b; the balancer should send most to a.
    const all = states([1, 1]);
    const set = setOf(all);
    const lr = new LeastRequestSelector(seededRandom(4));
    const done: Array<{ at: number; s: BackendState & { inflight: number } }> = [];
    const sent = { a: 0, b: 0 } as Record<string, number>;
    for (let tick = 0; tick < 2000; tick++) {
      for (let i = done.length - 1; i >= 0; i--) if (done[i]!.at <= tick) done.splice(i, 1)[0]!.s.inflight--;
      for (const s of lr.candidates(set, {})) {
        const t = s as (typeof all)[number];
        t.inflight++;
        sent[name(s)]!++;
        done.push({ at: tick + (name(s) === "a" ? 1 : 4), s: t });
        break;
      }
    }
    assert.ok(sent["a"]! > 2 * sent["b"]!, JSON.stringify(sent));
  });
});

describe("peak-EWMA", () => {
  test("prefers the backend with the lower latency estimate", () => {
    const now = 50_000;
    const all = states([1, 1, 1]);
    all.forEach((s, i) => {
      s.ewmaMs = [40, 5, 40][i]!;
      s.ewmaUpdatedAt = now;
    });
    const c = counts(new PeakEwmaSelector(seededRandom(5), () => now), setOf(all), 3000);
    // b wins every pair it is in: 2/3 of picks.
    const share = c.get("b")! / 3000;
    assert.ok(share > 0.62 && share < 0.72, `fast share ${share}`);
  });

  test("weighs latency by in-flight requests: a busy fast backend can lose to an idle slower one", () => {
    const now = 1000;
    const all = states([1, 1]);
    Object.assign(all[0]!, { ewmaMs: 5, ewmaUpdatedAt: now, inflight: 9 }); // cost 50
    Object.assign(all[1]!, { ewmaMs: 20, ewmaUpdatedAt: now, inflight: 0 }); // cost 20
    assert.equal(first(new PeakEwmaSelector(seededRandom(6), () => now).candidates(setOf(all), {})), "10.0.0.2");
  });

  test("an estimate decays while a backend gets no traffic, so it is tried again", () => {
    const all = states([1, 1]);
    Object.assign(all[0]!, { ewmaMs: 1000, ewmaUpdatedAt: 0 }); // slow once, then no traffic
    let t = 30_000;
    const sel = new PeakEwmaSelector(seededRandom(8), () => t);
    Object.assign(all[1]!, { ewmaMs: 10, ewmaUpdatedAt: t }); // steady traffic keeps its estimate fresh
    assert.equal(first(sel.candidates(setOf(all), {})), "10.0.0.2"); // 1000·e^-3 ≈ 50 > 10
    t = 60_000;
    all[1]!.ewmaUpdatedAt = t;
    assert.equal(first(sel.candidates(setOf(all), {})), "10.0.0.1"); // 1000·e^-6 ≈ 2.5 < 10
  });

  test("a busy backend with no estimate yet is avoided; an idle one is tried", () => {
    const all = states([1, 1]);
    Object.assign(all[0]!, { ewmaMs: 0, inflight: 1 });
    Object.assign(all[1]!, { ewmaMs: 300, ewmaUpdatedAt: 0 });
    const sel = new PeakEwmaSelector(seededRandom(9), () => 0);
    assert.equal(first(sel.candidates(setOf(all), {})), "10.0.0.2");
    all[0]!.inflight = 0;
    assert.equal(first(sel.candidates(setOf(all), {})), "10.0.0.1");
  });
});

describe("consistent hashing", () => {
  const keys = Array.from({ length: 5000 }, (_, i) => `user-${i}`);
  function mapping(sel: Selector, set: ReturnType<typeof setOf>): string[] {
    return keys.map((k) => {
      for (const s of sel.candidates(set, { hashKey: k })) return name(s);
      return "";
    });
  }

  test("the same key always maps to the same backend, across selector instances", () => {
    const set = setOf(states([1, 1, 1, 1, 1]));
    const m1 = mapping(new ConsistentHashSelector(undefined), set);
    const m2 = mapping(new ConsistentHashSelector(undefined), setOf(set.all));
    assert.deepEqual(m1, m2);
  });

  test("keys spread across backends in proportion to weight", () => {
    const even = mapping(new ConsistentHashSelector(undefined), setOf(states([1, 1, 1, 1, 1])));
    for (const b of ["a", "b", "c", "d", "e"]) {
      const share = even.filter((x) => x === b).length / keys.length;
      assert.ok(share > 0.13 && share < 0.27, `${b} share ${share}`);
    }
    const weighted = mapping(new ConsistentHashSelector(undefined), setOf(states([3, 1])));
    const aShare = weighted.filter((x) => x === "a").length / keys.length;
    assert.ok(aShare > 0.68 && aShare < 0.82, `weight-3 share ${aShare}`);
  });

  test("removing a backend moves only the keys it owned", () => {
    const all = states([1, 1, 1, 1, 1]);
    const before = mapping(new ConsistentHashSelector(undefined), setOf(all));
    const after = mapping(new ConsistentHashSelector(undefined), setOf(all.filter((_, i) => i !== 2)));
    let moved = 0;
    keys.forEach((_, i) => {
      if (before[i] === "c") assert.notEqual(after[i], "c");
      else if (before[i] !== after[i]) moved++;
    });
    assert.equal(moved, 0);
    // The orphaned keys are spread over the survivors rather than dumped on one.
    const orphans = new Set(keys.map((_, i) => (before[i] === "c" ? after[i] : undefined)).filter(Boolean));
    assert.ok(orphans.size >= 3, `orphans went to ${[...orphans].join(",")}`);
  });

  test("an unhealthy backend (same membership) is skipped with the same minimal remapping", () => {
    const all = states([1, 1, 1, 1]);
    const sel = new ConsistentHashSelector(undefined);
    const before = mapping(sel, setOf(all));
    all[1]!.healthy = false;
    const after = mapping(sel, setOf(all));
    keys.forEach((_, i) => {
      if (before[i] !== "b") assert.equal(after[i], before[i]);
      else assert.notEqual(after[i], "b");
    });
  });

  test("bounded load: no backend goes above ceil(c · average) even when every request has the same key", () => {
    const all = states([1, 1, 1, 1]);
    const set = setOf(all);
    const c = 1.25;
    const sel = new ConsistentHashSelector(c);
    for (let i = 1; i <= 400; i++) {
      for (const s of sel.candidates(set, { hashKey: "hot-key" })) {
        (s as (typeof all)[number]).inflight++;
        break;
      }
      const cap = Math.ceil((c * i) / all.length);
      for (const s of all) assert.ok(s.inflight <= cap, `after ${i}: ${name(s)} has ${s.inflight} > ${cap}`);
    }
    // Without the bound, the hot key would pile everything on one backend.
    const unbounded = states([1, 1, 1, 1]);
    const uset = setOf(unbounded);
    const usel = new ConsistentHashSelector(undefined);
    for (let i = 0; i < 100; i++) for (const s of usel.candidates(uset, { hashKey: "hot-key" })) { (s as (typeof all)[number]).inflight++; break; }
    assert.equal(Math.max(...unbounded.map((s) => s.inflight)), 100);
  });

  test("bounded load keeps the key's own backend while it is under capacity", () => {
    const all = states([1, 1, 1]);
    const sel = new ConsistentHashSelector(1.25);
    const home = first(sel.candidates(setOf(all), { hashKey: "k" }));
    const homeState = all.find((s) => s.backend.host === home)!;
    homeState.inflight = 1;
    for (const s of all) if (s !== homeState) s.inflight = 1; // capacity ceil(1.25·4/3) = 2
    assert.equal(first(sel.candidates(setOf(all), { hashKey: "k" })), home);
    homeState.inflight = 3; // capacity ceil(1.25·6/3) = 3: at capacity, overflow to the next backend on the ring
    const overflow = [...sel.candidates(setOf(all), { hashKey: "k" })];
    assert.notEqual(overflow[0]!.backend.host, home);
    assert.equal(overflow.at(-1)!.backend.host, home, "over-capacity backend is still offered, last");
  });

  test("requests without a key are spread over all backends", () => {
    const c = counts(new ConsistentHashSelector(undefined, seededRandom(10)), setOf(states([1, 1, 1])), 3000);
    for (const v of c.values()) assert.ok(v > 700 && v < 1300, JSON.stringify(Object.fromEntries(c)));
  });
});

describe("random", () => {
  test("is roughly uniform with equal weights", () => {
    const c = counts(new RandomSelector(seededRandom(11)), setOf(states([1, 1, 1, 1])), 40_000);
    for (const [k, v] of c) assert.ok(Math.abs(v / 40_000 - 0.25) < 0.015, `${k}: ${v}`);
  });

  test("draws in proportion to weight", () => {
    const c = counts(new RandomSelector(seededRandom(12)), setOf(states([3, 1, 0])), 40_000);
    assert.ok(Math.abs(c.get("a")! / 40_000 - 0.75) < 0.015, JSON.stringify(Object.fromEntries(c)));
    assert.equal(c.get("c"), undefined);
  });
});
