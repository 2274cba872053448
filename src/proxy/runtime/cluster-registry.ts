/**
 * Clusters shared by config generations: a reload keeps a fleet's Cluster
 * (its health history, ejections and in-flight counts) when the fleet's
 * config did not change, and stops a cluster only when no generation uses it
 * any more. Cluster events become metrics and log lines here.
 */
import type { ClusterConfig } from "../../plan/proxy-config.js";
import type { BackendSet } from "../upstream/contracts.js";
import type { Logger } from "./log.js";
import type { ProxyMetrics } from "./metrics.js";
import { Cluster } from "../upstream/index.js";

interface Held {
  json: string;
  cluster: Cluster;
  users: number;
  /** Backend ids whose health gauge is exported. */
  exported: Set<string>;
}

export class ClusterRegistry {
  private readonly byName = new Map<string, Held[]>();

  constructor(
    private readonly metrics: ProxyMetrics,
    private readonly logger: Logger,
  ) {}

  /** A cluster for `config`, shared with earlier generations when identical. Call release() when done. */
  acquire(config: ClusterConfig): { cluster: Cluster; fresh: boolean } {
    const json = JSON.stringify(config);
    const list = this.byName.get(config.name) ?? [];
    const same = list.find((h) => h.json === json);
    if (same) {
      same.users++;
      // A reload (SIGHUP) re-reads the fleet's TLS files even when its config is unchanged, as listeners do.
      same.cluster.tls?.reload("config-reloaded");
      return { cluster: same.cluster, fresh: false };
    }
    const held: Held = { json, users: 1, exported: new Set(), cluster: undefined as unknown as Cluster };
    held.cluster = this.create(config, held);
    list.push(held);
    this.byName.set(config.name, list);
    return { cluster: held.cluster, fresh: true };
  }

  release(cluster: Cluster): void {
    const list = this.byName.get(cluster.name);
    const held = list?.find((h) => h.cluster === cluster);
    if (!list || !held || --held.users > 0) return;
    cluster.stop();
    list.splice(list.indexOf(held), 1);
    if (list.length === 0) this.byName.delete(cluster.name);
    // A newer cluster of the same fleet exports the gauges now; only drop ones it does not have.
    const current = new Set(list.flatMap((h) => [...h.exported]));
    for (const id of held.exported) if (!current.has(id)) this.metrics.forgetBackend(cluster.name, id);
  }

  /** Ids of every backend any live cluster has (pools of others may be closed). */
  liveBackendIds(): Set<string> {
    const ids = new Set<string>();
    for (const list of this.byName.values()) for (const h of list) for (const s of h.cluster.snapshot().all) ids.add(s.backend.id);
    return ids;
  }

  stopAll(): void {
    for (const list of this.byName.values()) for (const h of list) h.cluster.stop();
    this.byName.clear();
  }

  private create(config: ClusterConfig, held: Held): Cluster {
    const fleet = config.name;
    const log = this.logger.child({ fleet });
    return new Cluster(config, {
      events: {
        onHealthChange: (backend, healthy, reason) => {
          log[healthy ? "info" : "warn"]({ event: "health", backend: backend.id, healthy, reason }, `backend ${backend.id} is ${healthy ? "healthy" : "unhealthy"}`);
        },
        onEjection: (backend, untilMs, reason) => {
          this.metrics.ejections.inc({ fleet, backend: backend.id });
          log.warn({ event: "ejection", backend: backend.id, until: new Date(untilMs).toISOString(), reason }, `backend ${backend.id} ejected`);
        },
        onReadmit: (backend, reason) => {
          log.info({ event: "readmit", backend: backend.id, reason }, `backend ${backend.id} back in rotation`);
        },
        onBackendsChanged: (set) => this.exportHealth(fleet, set, held),
        onDiscoveryError: (err) => {
          log.warn({ event: "discovery-error", err: err.message }, `discovery failed for fleet ${fleet}; keeping the last known backends`);
        },
        onTlsReloaded: (reason) => {
          log.info({ event: "upstream-tls-reloaded", reason }, `fleet ${fleet}: TLS files re-read; new connections use them`);
        },
        onTlsReloadFailed: (reason, err) => {
          log.error({ event: "upstream-tls-reload-failed", reason, err: err.message }, `fleet ${fleet}: TLS files not reloaded; the previous ones stay in use`);
        },
      },
    });
  }

  private exportHealth(fleet: string, set: BackendSet, held: Held): void {
    const now = new Set<string>();
    for (const s of set.all) {
      now.add(s.backend.id);
      this.metrics.setBackendHealthy(fleet, s.backend.id, s.healthy && s.ejectedUntil === 0);
    }
    for (const id of held.exported) if (!now.has(id)) this.metrics.forgetBackend(fleet, id);
    held.exported = now;
  }
}
