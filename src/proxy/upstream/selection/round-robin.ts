/** Round-robin: each request starts one backend further along the usable list. Ignores weights. */
import type { BackendSet, BackendState, SelectionContext, Selector } from "../contracts.js";
import { NO_CANDIDATES, OrderedCandidates } from "./candidates.js";

export class RoundRobinSelector implements Selector {
  readonly algorithm = "round-robin";
  private cursor = 0;

  candidates(set: BackendSet, ctx: SelectionContext): Iterable<BackendState> {
    const n = set.usable.length;
    if (n === 0) return NO_CANDIDATES;
    const start = this.cursor % n;
    this.cursor = this.cursor >= 0x3fffffff ? 0 : this.cursor + 1;
    return new OrderedCandidates(set.usable, ctx.exclude, -1, -1, start);
  }
}
