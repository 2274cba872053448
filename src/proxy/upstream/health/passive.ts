/**
 * Passive health (outlier detection, after Envoy's consecutive-5xx and
 * consecutive-connect-failure detectors): real traffic outcomes are counted
 * per backend, and a backend that fails N times in a row is ejected for
 * baseEjection * 2^(k-1) (k = its ejection count), capped at maxEjection.
 *
 * Pure state machine with an injectable clock: it says *when* a backend
 * deserves ejection; the Fleet decides *whether* (it refuses ejections that
 * would push the fleet below the panic threshold).
 */
import type { Outcome } from "../contracts.js";
import type { OutlierConfig } from "../../../plan/proxy-config.js";

export class OutlierDetector {
  private consecutive5xx = 0;
  private consecutiveConnectFailures = 0;
  /** Ejections so far; drives the exponential ejection time. */
  private ejections = 0;
  private until = 0;
  /** When the backend last came back from an ejection (0 = never ejected). */
  private readmittedAt = 0;

  constructor(
    private readonly config: OutlierConfig,
    private readonly now: () => number = Date.now,
  ) {}

  /** Epoch ms until which the backend is ejected; 0 when it is not. */
  get ejectedUntil(): number {
    return this.until;
  }

  get ejectionCount(): number {
    return this.ejections;
  }

  /**
   * Count one request outcome. Returns the reason when this outcome crosses an
   * ejection threshold (the caller then calls eject() or declines), else undefined.
   */
  record(outcome: Outcome): string | undefined {
    if (outcome === "success") {
      this.consecutive5xx = 0;
      this.consecutiveConnectFailures = 0;
      return undefined;
    }
    if (outcome === "connect-failure") {
      this.consecutiveConnectFailures++;
    } else {
      // A 5xx, a reset or a timeout all reached the backend, so the
      // connection itself works: only the 5xx streak grows. They are all
      // gateway errors to the client, which is what this detector guards.
      this.consecutive5xx++;
      this.consecutiveConnectFailures = 0;
    }
    if (this.until !== 0) return undefined; // already ejected (traffic reaches it only in panic mode)
    const { consecutive5xx: max5xx, consecutiveConnectFailures: maxConnect } = this.config;
    if (maxConnect > 0 && this.consecutiveConnectFailures >= maxConnect) {
      return `${this.consecutiveConnectFailures} consecutive connect failures`;
    }
    if (max5xx > 0 && this.consecutive5xx >= max5xx) {
      return `${this.consecutive5xx} consecutive 5xx/gateway errors`;
    }
    return undefined;
  }

  /** How long the next ejection would last. */
  nextEjectionMs(): number {
    return ejectionDuration(this.config, this.effectiveEjections() + 1);
  }

  /** Eject now; returns the epoch ms at which the backend is readmitted. */
  eject(): number {
    const now = this.now();
    this.ejections = this.effectiveEjections() + 1;
    this.until = now + ejectionDuration(this.config, this.ejections);
    this.consecutive5xx = 0;
    this.consecutiveConnectFailures = 0;
    return this.until;
  }

  /** End the ejection if its time has passed; returns true when it did. */
  readmitIfDue(): boolean {
    if (this.until === 0) return false;
    const now = this.now();
    if (now < this.until) return false;
    this.readmit();
    return true;
  }

  /** End the ejection now (an active health check saw the backend recover). */
  readmit(): void {
    if (this.until === 0) return;
    this.until = 0;
    this.readmittedAt = this.now();
  }

  /**
   * A backend that has behaved for maxEjection since its last readmission
   * starts over at the base ejection time, so one bad hour does not make
   * every later blip cost the maximum.
   */
  private effectiveEjections(): number {
    if (this.ejections > 0 && this.until === 0 && this.now() - this.readmittedAt >= this.config.maxEjectionMs) {
      this.ejections = 0;
    }
    return this.ejections;
  }
}

/** baseEjection * 2^(k-1), capped at maxEjection (k >= 1). */
export function ejectionDuration(config: OutlierConfig, k: number): number {
  const exp = Math.min(Math.max(k, 1) - 1, 30); // 2^30 already exceeds any sane cap
  return Math.min(config.baseEjectionMs * 2 ** exp, Math.max(config.maxEjectionMs, config.baseEjectionMs));
}
