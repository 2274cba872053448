/**
 * A backend as one route uses it: its connection pool (kept across sweeps)
 * and the metric series its responses are counted in.
 */
import type { Backend } from "./contracts.js";
import type { RequestSeries } from "../runtime/metrics.js";
import { poolKey, type PoolSettings, type UpstreamDispatcher, type UpstreamPools } from "./pools.js";

export class BackendBinding {
  private current: UpstreamDispatcher | undefined;
  private key: string;
  /** The fleet's TLS files the key was made with; they change when a CA or client certificate is re-read. */
  private tlsKey: string | undefined;

  constructor(
    private readonly pools: UpstreamPools,
    readonly backend: Backend,
    private readonly settings: PoolSettings,
    readonly series: RequestSeries,
  ) {
    this.key = poolKey(backend, settings);
    this.tlsKey = settings.tls?.key;
  }

  /** The backend's pool; fetched again if a sweep closed it meanwhile or the fleet's TLS files changed. */
  pool(): UpstreamDispatcher {
    const p = this.current;
    if (p !== undefined && !p.closed && !p.destroyed && this.tlsKey === this.settings.tls?.key) return p;
    return (this.current = this.pools.get(this.backend, this.settings, this.currentKey()));
  }

  /** The backend's pool for Upgrade requests. */
  upgradePool(): UpstreamDispatcher {
    return this.pools.upgrades(this.backend, this.settings, this.currentKey());
  }

  /** Connections made with earlier TLS files stay in their pool (not cut); new ones go to a pool with the new files. */
  private currentKey(): string {
    if (this.tlsKey !== this.settings.tls?.key) {
      this.key = poolKey(this.backend, this.settings);
      this.tlsKey = this.settings.tls?.key;
    }
    return this.key;
  }
}
