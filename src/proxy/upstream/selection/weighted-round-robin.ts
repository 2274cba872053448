/**
 * Smooth weighted round-robin (nginx's algorithm): every pick adds each
 * backend's weight to its running score, takes the highest score and
 * subtracts the total weight from it. Weights 5,1,1 give a a b a c a a:
 * the heavy backend's turns are spread out instead of bunched together.
 *
 * Scores live in an array aligned with `set.usable`; when the snapshot
 * changes they are carried over by backend id, so a health flip elsewhere
 * does not reset the rotation.
 */
import type { BackendSet, BackendState, SelectionContext, Selector } from "../contracts.js";
import { NO_CANDIDATES, OrderedCandidates } from "./candidates.js";

export class WeightedRoundRobinSelector implements Selector {
  readonly algorithm = "weighted-round-robin";
  private list: readonly BackendState[] | undefined;
  private scores = new Float64Array(0);

  candidates(set: BackendSet, _ctx: SelectionContext): Iterable<BackendState> {
    const list = set.usable;
    const n = list.length;
    if (n === 0) return NO_CANDIDATES;
    if (list !== this.list) this.rebuild(set);
    const scores = this.scores;
    let total = 0;
    let best = -1;
    for (let i = 0; i < n; i++) {
      const s = list[i]!;
      const w = s.backend.weight;
      if (w <= 0) continue;
      scores[i]! += w;
      total += w;
      if (best < 0 || scores[i]! > scores[best]!) best = i;
    }
    if (best < 0) return new OrderedCandidates(list, -1, -1, 0);
    scores[best]! -= total;
    return new OrderedCandidates(list, best, -1, best + 1 < n ? best + 1 : 0);
  }

  rebuild(set: BackendSet): void {
    const list = set.usable;
    const previous = new Map<string, number>();
    if (this.list) for (let i = 0; i < this.list.length; i++) previous.set(this.list[i]!.backend.id, this.scores[i]!);
    const scores = new Float64Array(list.length);
    for (let i = 0; i < list.length; i++) scores[i] = previous.get(list[i]!.backend.id) ?? 0;
    this.list = list;
    this.scores = scores;
  }
}
