/**
 * The Fleet's live record of one backend. Selection and the forwarder see
 * it through the read-only BackendState contract; only the Fleet writes it.
 * In-flight counts and latency change per request and are written in place:
 * they never cause a snapshot swap, which is reserved for membership and
 * usability changes.
 */
import type { Backend } from "./contracts.js";
import type { HealthCheckConfig, OutlierConfig } from "../../plan/proxy-config.js";
import { OutlierDetector } from "./health/passive.js";
import { ConsecutiveThreshold } from "./health/thresholds.js";
import type { PeakEwmaState } from "./selection/peak-ewma.js";

export class MutableBackendState implements PeakEwmaState {
  healthy = true;
  ejectedUntil = 0;
  inflight = 0;
  ewmaMs = 0;
  ewmaUpdatedAt = 0;
  /** Why the backend is in its current health state (last flip reason). */
  healthReason = "initial";
  readonly outlier: OutlierDetector;
  readonly threshold: ConsecutiveThreshold | undefined;

  constructor(
    public backend: Backend,
    outlier: OutlierConfig,
    healthCheck: HealthCheckConfig | undefined,
    now: () => number,
  ) {
    this.outlier = new OutlierDetector(outlier, now);
    this.threshold = healthCheck ? new ConsecutiveThreshold(healthCheck, true) : undefined;
  }

  /** Healthy by active checks and not ejected by passive ones. */
  get usable(): boolean {
    return this.healthy && this.ejectedUntil === 0;
  }
}
