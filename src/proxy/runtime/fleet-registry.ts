/**
 * Fleets shared by config generations: a reload keeps a fleet's Fleet object
 * (its health history, ejections and in-flight counts) when the fleet's
 * config did not change, and stops a fleet only when no generation uses it
 * any more. Fleet events become metrics and log lines here.
 */
// The runtime config keeps its `clusters` / `cluster` keys (plan output and the proxy's config
// schema); in proxy code a fleet is a Fleet.
import type { ClusterConfig } from "../../plan/proxy-config.js";
import type { BackendSet } from "../upstream/contracts.js";
import type { Logger } from "./log.js";
import type { ProxyMetrics } from "./metrics.js";
import { Fleet } from "../upstream/index.js";

interface Held {
  json: string;
  fleet: Fleet;
  users: number;
  /** Backend ids whose health gauge is exported. */
  exported: Set<string>;
}

export class FleetRegistry {
  private readonly byName = new Map<string, Held[]>();

  constructor(
    private readonly metrics: ProxyMetrics,
    private readonly logger: Logger,
  ) {}

  /** A fleet for `config`, shared with earlier generations when identical. Call release() when done. */
  acquire(config: ClusterConfig): { fleet: Fleet; fresh: boolean } {
    const json = JSON.stringify(config);
    const list = this.byName.get(config.name) ?? [];
    const same = list.find((h) => h.json === json);
    if (same) {
      same.users++;
      // A reload (SIGHUP) re-reads the fleet's TLS files even when its config is unchanged, as listeners do.
      same.fleet.tls?.reload("config-reloaded");
      return { fleet: same.fleet, fresh: false };
    }
    const held: Held = { json, users: 1, exported: new Set(), fleet: undefined as unknown as Fleet };
    held.fleet = this.create(config, held);
    list.push(held);
    this.byName.set(config.name, list);
    return { fleet: held.fleet, fresh: true };
  }

  release(fleet: Fleet): void {
    const list = this.byName.get(fleet.name);
    const held = list?.find((h) => h.fleet === fleet);
    if (!list || !held || --held.users > 0) return;
    fleet.stop();
    list.splice(list.indexOf(held), 1);
    if (list.length === 0) this.byName.delete(fleet.name);
    // A newer fleet of the same fleet exports the gauges now; only drop ones it does not have.
    const current = new Set(list.flatMap((h) => [...h.exported]));
    for (const id of held.exported) if (!current.has(id)) this.metrics.forgetBackend(fleet.name, id);
  }

  /** Ids of every backend any live fleet has (pools of others may be closed). */
  liveBackendIds(): Set<string> {
    const ids = new Set<string>();
    for (const list of this.byName.values()) for (const h of list) for (const s of h.fleet.snapshot().all) ids.add(s.backend.id);
    return ids;
  }

  stopAll(): void {
    for (const list of this.byName.values()) for (const h of list) h.fleet.stop();
    this.byName.clear();
  }

  private create(config: ClusterConfig, held: Held): Fleet {
    const fleet = config.name;
    const log = this.logger.child({ fleet });
    return new Fleet(config, {
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
