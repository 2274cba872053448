/**
 * Power of two random choices (Mitzenmacher): pick two distinct usable
 * backends at random and prefer the one with the lower cost. It avoids the
 * herd behaviour of "always the least loaded" (every proxy worker piling onto
 * the same idle backend) while staying O(1) per request.
 *
 * Subclasses define only `cost`. Candidates: the cheaper of the pair, the
 * other one, then the rest of the usable list.
 */
import type { BackendSet, BackendState, SelectionContext, Selector } from "../contracts.js";
import { NO_CANDIDATES, OrderedCandidates } from "./candidates.js";
import { randomIndex, type RandomSource } from "./random-source.js";

export abstract class PowerOfTwoSelector implements Selector {
  abstract readonly algorithm: string;

  constructor(protected readonly random: RandomSource = Math.random) {}

  /** Lower is better. */
  protected abstract cost(state: BackendState): number;

  candidates(set: BackendSet, _ctx: SelectionContext): Iterable<BackendState> {
    const list = set.usable;
    const n = list.length;
    if (n === 0) return NO_CANDIDATES;
    if (n === 1) return new OrderedCandidates(list, 0, -1, 0);
    const a = randomIndex(this.random, n);
    let b = randomIndex(this.random, n - 1);
    if (b >= a) b++;
    const preferB = this.cost(list[b]!) < this.cost(list[a]!);
    const first = preferB ? b : a;
    const second = preferB ? a : b;
    return new OrderedCandidates(list, first, second, first + 1 < n ? first + 1 : 0);
  }
}
