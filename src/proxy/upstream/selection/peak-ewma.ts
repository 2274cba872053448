/**
 * Peak-EWMA (Finagle, linkerd/tower): cost = latency estimate × (inflight + 1),
 * compared over two random choices. The estimate is "peak sensitive": a
 * sample above it replaces it at once, samples below pull it down gradually
 * (time-weighted, decay time EWMA_DECAY_MS), so a backend that turns slow is
 * avoided immediately but has to prove itself before it gets traffic back.
 *
 * The estimate also decays towards zero while a backend gets no samples, so
 * a backend that was slow once is tried again eventually instead of starving.
 * A backend with no estimate yet costs nothing while idle and a large
 * penalty while busy, so new backends get probed one request at a time.
 */
import type { BackendSet, BackendState, SelectionContext } from "../contracts.js";
import { PowerOfTwoSelector } from "./power-of-two.js";
import type { RandomSource } from "./random-source.js";

/** Decay time of the latency estimate (Finagle's default is 10 s). */
export const EWMA_DECAY_MS = 10_000;
/** Cost of a busy backend whose latency is unknown (Finagle's "penalty"). */
const UNKNOWN_BUSY_PENALTY = 1e9;

/** Backend state that also says when its estimate was last updated. */
export interface PeakEwmaState extends BackendState {
  readonly ewmaUpdatedAt: number;
}

/** The next estimate after observing `sampleMs` at `now`. */
export function updatePeakEwma(prevMs: number, prevAt: number, sampleMs: number, now: number, decayMs = EWMA_DECAY_MS): number {
  if (sampleMs >= prevMs) return sampleMs;
  const w = Math.exp(-Math.max(0, now - prevAt) / decayMs);
  return prevMs * w + sampleMs * (1 - w);
}

/** The estimate as of `now`, decayed for the time without samples. */
export function currentEwma(state: BackendState, now: number, decayMs = EWMA_DECAY_MS): number {
  const at = (state as Partial<PeakEwmaState>).ewmaUpdatedAt;
  if (at === undefined || state.ewmaMs === 0) return state.ewmaMs;
  return state.ewmaMs * Math.exp(-Math.max(0, now - at) / decayMs);
}

export class PeakEwmaSelector extends PowerOfTwoSelector {
  readonly algorithm = "peak-ewma";

  constructor(
    random?: RandomSource,
    private readonly now: () => number = Date.now,
  ) {
    super(random);
  }

  /** One clock read per request, shared by both cost evaluations. */
  private at = 0;

  override candidates(set: BackendSet, ctx: SelectionContext): Iterable<BackendState> {
    this.at = this.now();
    return super.candidates(set, ctx);
  }

  protected cost(state: BackendState): number {
    const ewma = currentEwma(state, this.at);
    if (ewma === 0) return state.inflight === 0 ? 0 : UNKNOWN_BUSY_PENALTY + state.inflight;
    return ewma * (state.inflight + 1);
  }
}
