/**
 * Random: one backend drawn at random in proportion to its weight (uniformly
 * when all weights are equal), then the rest of the usable list.
 */
import type { BackendSet, BackendState, SelectionContext, Selector } from "../contracts.js";
import { NO_CANDIDATES, OrderedCandidates } from "./candidates.js";
import { randomIndex, type RandomSource } from "./random-source.js";

export class RandomSelector implements Selector {
  readonly algorithm = "random";
  private list: readonly BackendState[] | undefined;
  /** Cumulative weights of `list`, or undefined when all weights are equal. */
  private cumulative: Float64Array | undefined;

  constructor(private readonly random: RandomSource = Math.random) {}

  candidates(set: BackendSet, _ctx: SelectionContext): Iterable<BackendState> {
    const list = set.usable;
    const n = list.length;
    if (n === 0) return NO_CANDIDATES;
    if (list !== this.list) this.rebuild(set);
    const first = this.cumulative ? this.weightedIndex(this.cumulative) : randomIndex(this.random, n);
    return new OrderedCandidates(list, first, -1, first + 1 < n ? first + 1 : 0);
  }

  rebuild(set: BackendSet): void {
    const list = set.usable;
    this.list = list;
    const w0 = list[0]?.backend.weight;
    if (list.every((s) => s.backend.weight === w0)) {
      this.cumulative = undefined;
      return;
    }
    const cumulative = new Float64Array(list.length);
    let sum = 0;
    for (let i = 0; i < list.length; i++) cumulative[i] = sum += Math.max(0, list[i]!.backend.weight);
    // All-zero weights: no backend is preferred, so fall back to uniform.
    this.cumulative = sum > 0 ? cumulative : undefined;
  }

  private weightedIndex(cumulative: Float64Array): number {
    const target = this.random() * cumulative[cumulative.length - 1]!;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cumulative[mid]! > target) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}
