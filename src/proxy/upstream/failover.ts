/**
 * The one failover primitive every protocol uses (HTTP requests, Upgrade
 * requests, TCP connections): candidates from the fleet's selector, one
 * attempt at a time, passive-health accounting of each attempt, and the
 * retry rules in one place so they cannot drift apart between protocols:
 *
 *  - a retry goes to a backend not tried yet (further down the candidates);
 *  - only for a failure the route's policy names (RetryPolicy: `on`), and
 *    at most `attempts` retries after the first try;
 *  - only within the fleet's retry budget;
 *  - never resending a request that reached a backend unless it is
 *    idempotent and has no body, nor one whose body has started to stream.
 *
 * The caller owns the transport (undici handler, raw socket) and tells the
 * loop how each attempt ended; the loop answers with the next backend or
 * with "no".
 */
import type { Backend, BackendState, Outcome, SelectionContext, Selector } from "./contracts.js";
import type { Fleet } from "./fleet.js";
import type { RetryBudget } from "./retry-budget.js";
import { isIdempotent, type RetryPolicy } from "./retry-policy.js";

/** What the loop needs from a route (or a TCP listener): who to ask, by which rules, where to count. */
export interface FailoverTarget {
  /** The fleet's backends, their health and in-flight counts. */
  readonly fleet: Fleet;
  readonly selector: Selector;
  readonly retry: RetryPolicy;
  readonly budget: RetryBudget;
  countRetry(): void;
  countBudgetExhausted(): void;
}

/** What the loop needs to know about the request to decide whether it may be sent again. */
export interface ResendRules {
  readonly method: string;
  /** The request has a body (it streams through once). */
  readonly hasBody: boolean;
  /** Whether the body has started to stream (so it cannot be sent again). */
  bodyTouched(): boolean;
}

/** Selection input of a request without a hash key (shared: selectors only read it). */
const NO_KEY: SelectionContext = Object.freeze({});

export class Failover {
  /** Attempts started so far. */
  attempts = 0;
  /** The backend of the current (or last) attempt. */
  backend: Backend | undefined;
  private readonly candidates: Iterator<BackendState>;
  private attemptStart = 0;
  private settled = false;

  constructor(
    readonly target: FailoverTarget,
    private readonly request: ResendRules,
    hashKey: string | undefined,
  ) {
    target.budget.requestStarted();
    const selection = hashKey === undefined ? NO_KEY : { hashKey };
    this.candidates = target.selector.candidates(target.fleet.snapshot(), selection)[Symbol.iterator]();
  }

  /** The first backend to try, or undefined when the fleet has none usable (the loop is then settled). */
  first(): Backend | undefined {
    const first = this.pick();
    if (first === undefined) this.settle();
    return first;
  }

  /** An attempt on `backend` begins: it counts as in flight for the balancer and passive health. */
  begin(backend: Backend): void {
    this.attempts++;
    this.backend = backend;
    this.target.fleet.acquire(backend);
    this.attemptStart = performance.now();
  }

  /** The current attempt is over, with what passive health should learn from it. */
  end(outcome: Outcome): void {
    this.target.fleet.release(this.backend!, outcome, performance.now() - this.attemptStart);
  }

  /**
   * The backend to retry on after a failed attempt, or undefined when the
   * rules say no. `reached`: the failed attempt may have reached its backend
   * (anything but a connect failure).
   */
  retryAfterFailure(outcome: Outcome, reached: boolean): Backend | undefined {
    if (!this.target.retry.retriesOutcome(outcome)) return undefined;
    return this.retry(reached);
  }

  /** The backend to retry on after a response with `status`, or undefined when the rules say no. */
  retryAfterStatus(status: number): Backend | undefined {
    if (status < 500 || !this.target.retry.retriesStatus(status)) return undefined;
    return this.retry(true);
  }

  /** The request is over as far as the retry budget is concerned (idempotent). */
  settle(): void {
    if (this.settled) return;
    this.settled = true;
    this.target.budget.requestFinished();
  }

  private retry(reached: boolean): Backend | undefined {
    const { target, request } = this;
    if (this.attempts > target.retry.attempts) return undefined;
    if (reached) {
      if (request.hasBody || !isIdempotent(request.method)) return undefined;
    } else if (request.hasBody && request.bodyTouched()) {
      return undefined;
    }
    const next = this.pick();
    if (next === undefined) return undefined;
    if (!target.budget.tryAcquireRetry()) {
      target.countBudgetExhausted();
      return undefined;
    }
    target.countRetry();
    return next;
  }

  private pick(): Backend | undefined {
    const r = this.candidates.next();
    return r.done === true ? undefined : r.value.backend;
  }
}
