/**
 * Round-robin: each request starts one backend further along the usable list.
 * When the endpoints' weights differ it rotates by weight instead (smooth, as
 * weighted-round-robin does): weights written in a spec are never ignored.
 */
import type { BackendSet, BackendState, SelectionContext, Selector } from "../contracts.js";
import { NO_CANDIDATES, OrderedCandidates } from "./candidates.js";
import { WeightedRoundRobinSelector } from "./weighted-round-robin.js";

export class RoundRobinSelector implements Selector {
  readonly algorithm = "round-robin";
  private cursor = 0;
  private weighted: WeightedRoundRobinSelector | undefined;
  /** The usable list last checked for weights, and what the check found (lists are immutable snapshots). */
  private checked: readonly BackendState[] | undefined;
  private unequalWeights = false;

  candidates(set: BackendSet, ctx: SelectionContext): Iterable<BackendState> {
    const n = set.usable.length;
    if (n === 0) return NO_CANDIDATES;
    if (set.usable !== this.checked) {
      this.checked = set.usable;
      this.unequalWeights = set.usable.some((s) => s.backend.weight !== set.usable[0]!.backend.weight);
    }
    if (this.unequalWeights) return (this.weighted ??= new WeightedRoundRobinSelector()).candidates(set, ctx);
    const start = this.cursor % n;
    this.cursor = this.cursor >= 0x3fffffff ? 0 : this.cursor + 1;
    return new OrderedCandidates(set.usable, -1, -1, start);
  }
}
