/**
 * A route's retry policy, compiled once per config. What may be retried:
 *
 *  - a request that never reached a backend (connect failure), whatever its
 *    method, as long as its body has not been read yet;
 *  - otherwise only idempotent methods (RFC 9110 §9.2.2) without a body,
 *    since a body streams through once and is gone.
 *
 * The route's `on` list says which failures are worth it; every retry goes
 * to a backend not tried yet and needs the fleet's retry budget. The
 * per-try timeout is the route's headersTimeout (http/route-runtime.ts).
 */
import type { RetryConfig } from "../../plan/proxy-config.js";
import type { Outcome } from "./contracts.js";

const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"]);

export function isIdempotent(method: string): boolean {
  return IDEMPOTENT.has(method);
}

export class RetryPolicy {
  /** Retries after the first attempt. */
  readonly attempts: number;
  private readonly onConnect: boolean;
  private readonly onReset: boolean;
  private readonly onTimeout: boolean;
  private readonly statuses: ReadonlySet<number>;

  constructor(config: RetryConfig) {
    this.attempts = config.attempts;
    const on = new Set(config.on.map(String));
    this.onConnect = on.has("connect-failure");
    this.onReset = on.has("reset");
    this.onTimeout = on.has("timeout");
    const statuses = new Set<number>();
    if (on.has("5xx")) for (let s = 500; s <= 599; s++) statuses.add(s);
    if (on.has("gateway-error")) [502, 503, 504].forEach((s) => statuses.add(s));
    for (const c of on) if (/^5\d\d$/.test(c)) statuses.add(Number(c));
    this.statuses = statuses;
  }

  /** Whether a failed attempt's outcome is one the route retries on. */
  retriesOutcome(outcome: Outcome): boolean {
    switch (outcome) {
      case "connect-failure":
        return this.onConnect;
      case "reset":
        return this.onReset;
      case "timeout":
        return this.onTimeout;
      default:
        return false;
    }
  }

  /** Whether a backend's response status is one the route retries on. */
  retriesStatus(status: number): boolean {
    return this.statuses.size > 0 && this.statuses.has(status);
  }
}
