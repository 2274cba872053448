/**
 * Hysteresis for active health: a backend's state flips only after N
 * consecutive results that disagree with it, so one lost probe does not
 * drain a backend and one lucky probe does not readmit a broken one (the
 * "rise/fall" of HAProxy, pingora's consecutive success/failure counts).
 */

export interface ThresholdConfig {
  /** Consecutive successes that turn an unhealthy backend healthy. */
  healthyThreshold: number;
  /** Consecutive failures that turn a healthy backend unhealthy. */
  unhealthyThreshold: number;
}

export class ConsecutiveThreshold {
  private state: boolean;
  /** Results in a row that disagree with the current state. */
  private streak = 0;

  constructor(
    private readonly config: ThresholdConfig,
    initiallyHealthy = true,
  ) {
    this.state = initiallyHealthy;
  }

  get healthy(): boolean {
    return this.state;
  }

  /** Record one check result; returns true when this result flipped the state. */
  record(ok: boolean): boolean {
    if (ok === this.state) {
      this.streak = 0;
      return false;
    }
    this.streak++;
    const needed = this.state ? this.config.unhealthyThreshold : this.config.healthyThreshold;
    if (this.streak < Math.max(1, needed)) return false;
    this.state = ok;
    this.streak = 0;
    return true;
  }
}
