/**
 * Request coalescing: while one request fetches a key from upstream, others
 * for the same key wait for its outcome instead of making their own.
 */
import type { StoredResponse } from "./entry.js";

export interface FlightOutcome {
  /** The response now stored for the key, when the fetch produced one. */
  entry?: StoredResponse;
  /** Upstream failed (no response, or a 5xx): waiters may serve stale-if-error. */
  failed?: boolean;
}

export interface Flight {
  resolve(outcome: FlightOutcome): void;
}

export class Flights {
  readonly #inflight = new Map<string, Promise<FlightOutcome>>();

  get(key: string): Promise<FlightOutcome> | undefined {
    return this.#inflight.get(key);
  }

  /** Registers a fetch for `key`; the first resolve settles it and lets the next fetch start. */
  start(key: string): Flight {
    let settle!: (o: FlightOutcome) => void;
    const promise = new Promise<FlightOutcome>((resolve) => (settle = resolve));
    this.#inflight.set(key, promise);
    let settled = false;
    return {
      resolve: (outcome) => {
        if (settled) return;
        settled = true;
        if (this.#inflight.get(key) === promise) this.#inflight.delete(key);
        settle(outcome);
      },
    };
  }

  get size(): number {
    return this.#inflight.size;
  }
}
