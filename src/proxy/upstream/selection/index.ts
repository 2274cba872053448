/** One selector per balancer config; algorithms live one per file behind `Selector`. */
import type { Selector } from "../contracts.js";
import type { BalancerConfig } from "../../../plan/proxy-config.js";
import { EdgeformError } from "../../../errors.js";
import { ConsistentHashSelector } from "./consistent-hash.js";
import { LeastRequestSelector } from "./least-request.js";
import { PeakEwmaSelector } from "./peak-ewma.js";
import type { RandomSource } from "./random-source.js";
import { RandomSelector } from "./random.js";
import { RoundRobinSelector } from "./round-robin.js";
import { WeightedRoundRobinSelector } from "./weighted-round-robin.js";

export interface SelectorOptions {
  /** Source of randomness (tests pass seededRandom). Default Math.random. */
  random?: RandomSource;
  /** Clock for peak-EWMA decay. Default Date.now. */
  now?: () => number;
}

/**
 * A new selector for one route or TCP listener. Selectors keep per-instance
 * state (rotation cursors, rings), so each balancer gets its own.
 */
export function createSelector(config: BalancerConfig, options: SelectorOptions = {}): Selector {
  const { random, now } = options;
  switch (config.algorithm) {
    case "round-robin":
      return new RoundRobinSelector();
    case "weighted-round-robin":
      return new WeightedRoundRobinSelector();
    case "least-request":
      return new LeastRequestSelector(random);
    case "peak-ewma":
      return new PeakEwmaSelector(random, now);
    case "consistent-hash":
      return new ConsistentHashSelector(config.boundedLoad, random);
    case "random":
      return new RandomSelector(random);
    default:
      throw new EdgeformError("EF_PROXY_CONFIG", `unknown balancer algorithm "${String((config as { algorithm: unknown }).algorithm)}"`, {
        hint: "use round-robin, weighted-round-robin, least-request, peak-ewma, consistent-hash or random, and regenerate the proxy config with `edgeform plan`",
      });
  }
}

export { ConsistentHashSelector, loadCapacity, VNODES } from "./consistent-hash.js";
export { LeastRequestSelector } from "./least-request.js";
export { currentEwma, EWMA_DECAY_MS, PeakEwmaSelector, updatePeakEwma, type PeakEwmaState } from "./peak-ewma.js";
export { RandomSelector } from "./random.js";
export { RoundRobinSelector } from "./round-robin.js";
export { WeightedRoundRobinSelector } from "./weighted-round-robin.js";
export { seededRandom, type RandomSource } from "./random-source.js";
export { hash32 } from "./hash.js";
