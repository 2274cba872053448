/**
 * Randomness for selectors. Production uses Math.random; tests inject a
 * seeded generator so distributions are reproducible instead of flaky.
 */
export type RandomSource = () => number;

/** mulberry32: a tiny, fast, well-distributed 32-bit PRNG; fine for load balancing, not for secrets. */
export function seededRandom(seed: number): RandomSource {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A uniform integer in [0, n). */
export function randomIndex(random: RandomSource, n: number): number {
  const i = Math.floor(random() * n);
  return i < n ? i : n - 1;
}
