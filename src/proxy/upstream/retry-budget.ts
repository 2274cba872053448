/**
 * A retry budget, so retries cannot multiply the load on a fleet that is
 * already failing (Finagle's RetryBudget; linkerd's retry_ratio and
 * min_retries_per_second, which is what `ratio` and `minPerSecond` mean here).
 *
 * Rule: a retry is allowed when
 *   - fewer than `minPerSecond` retries were allowed in the current second
 *     (so a quiet proxy can still retry its occasional failure), or
 *   - retries allowed in the last 10 s stay below `ratio` × requests started
 *     in the last 10 s (so retries add at most `ratio` extra load, e.g. 20%).
 *
 * Why rates over a window, not Envoy's "active retries < ratio × active
 * requests": that needs a signal when each retry ends, which this interface
 * does not have, and a concurrency rule lets a burst of slow requests (many
 * active) unlock a burst of retries exactly when the fleet is struggling.
 * A 10-s window in 1-s slots smooths bursts without keeping per-request state.
 *
 * Call requestStarted once per client request (not per attempt), and
 * tryAcquireRetry before each retry; requestFinished keeps `active` for metrics.
 */

const SLOTS = 10;
const SLOT_MS = 1000;

export interface RetryBudgetConfig {
  /** Extra load retries may add, as a fraction of requests (0.2 = 20%). */
  ratio: number;
  /** Retries always allowed per second, whatever the ratio says. */
  minPerSecond: number;
}

export class RetryBudget {
  private readonly requests = new Float64Array(SLOTS);
  private readonly retries = new Float64Array(SLOTS);
  /** Index of the 1-s slot that was current at the last call (floor(now / 1000)). */
  private second: number;
  private inflight = 0;

  constructor(
    private readonly config: RetryBudgetConfig,
    private readonly now: () => number = Date.now,
  ) {
    this.second = Math.floor(now() / SLOT_MS);
  }

  /** Requests currently in flight (started and not finished). */
  get active(): number {
    return this.inflight;
  }

  requestStarted(): void {
    this.requests[this.advance()]!++;
    this.inflight++;
  }

  requestFinished(): void {
    if (this.inflight > 0) this.inflight--;
  }

  /** True (and the retry is counted) when the budget allows one more retry now. */
  tryAcquireRetry(): boolean {
    const slot = this.advance();
    let requests = 0;
    let retries = 0;
    for (let i = 0; i < SLOTS; i++) {
      requests += this.requests[i]!;
      retries += this.retries[i]!;
    }
    const allowed = this.retries[slot]! < this.config.minPerSecond || retries < this.config.ratio * requests;
    if (allowed) this.retries[slot]!++;
    return allowed;
  }

  /** Moves the window to the current second, clearing slots that fell out of it; returns the current slot. */
  private advance(): number {
    const second = Math.floor(this.now() / SLOT_MS);
    if (second > this.second) {
      const elapsed = Math.min(second - this.second, SLOTS);
      for (let k = 1; k <= elapsed; k++) {
        const slot = (this.second + k) % SLOTS;
        this.requests[slot] = 0;
        this.retries[slot] = 0;
      }
      this.second = second;
    }
    return this.second % SLOTS;
  }
}
