/**
 * A backend as one route uses it: its connection pool (kept across sweeps)
 * and the metric series its responses are counted in.
 */
import type { Backend } from "./contracts.js";
import type { RequestSeries } from "../runtime/metrics.js";
import { poolKey, type PoolSettings, type UpstreamDispatcher, type UpstreamPools } from "./pools.js";

export class BackendBinding {
  private current: UpstreamDispatcher | undefined;
  private readonly key: string;

  constructor(
    private readonly pools: UpstreamPools,
    readonly backend: Backend,
    private readonly settings: PoolSettings,
    readonly series: RequestSeries,
  ) {
    this.key = poolKey(backend, settings);
  }

  /** The backend's pool; fetched again if a sweep closed it meanwhile. */
  pool(): UpstreamDispatcher {
    const p = this.current;
    if (p !== undefined && !p.closed && !p.destroyed) return p;
    return (this.current = this.pools.get(this.backend, this.settings, this.key));
  }

  /** The backend's pool for Upgrade requests. */
  upgradePool(): UpstreamDispatcher {
    return this.pools.upgrades(this.backend, this.settings, this.key);
  }
}
