/**
 * The candidate sequence most selectors return: up to two preferred backends
 * (by index into `set.usable`), then every other usable backend walking the
 * list from `start`, each usable backend once — so a retry (which takes the
 * next candidate) always finds a backend it has not tried while any is left.
 *
 * A hand-written iterator rather than a generator: it is one small object per
 * request, and it reuses its result object (for-of reads `value` before asking
 * for the next one), which keeps the hot path nearly allocation-free.
 */
import type { BackendState } from "../contracts.js";

const DONE: IteratorResult<BackendState> = Object.freeze({ done: true, value: undefined });

/** Shared empty candidate list (no usable backends). */
export const NO_CANDIDATES: Iterable<BackendState> = Object.freeze([]) as readonly BackendState[];

export class OrderedCandidates implements Iterator<BackendState>, Iterable<BackendState> {
  private phase = 0;
  private step = 0;
  private readonly result = { done: false, value: undefined as unknown as BackendState };

  constructor(
    private readonly list: readonly BackendState[],
    private readonly first: number,
    private readonly second: number,
    private readonly start: number,
  ) {}

  [Symbol.iterator](): Iterator<BackendState> {
    return this;
  }

  next(): IteratorResult<BackendState> {
    const { list, first, second } = this;
    if (this.phase === 0) {
      this.phase = 1;
      if (first >= 0) return this.yield(list[first]!);
    }
    if (this.phase === 1) {
      this.phase = 2;
      if (second >= 0 && second !== first) return this.yield(list[second]!);
    }
    const n = list.length;
    while (this.step < n) {
      let i = this.start + this.step++;
      if (i >= n) i -= n;
      if (i === first || i === second) continue;
      return this.yield(list[i]!);
    }
    return DONE;
  }

  private yield(s: BackendState): IteratorResult<BackendState> {
    this.result.value = s;
    return this.result;
  }
}
