/**
 * A fleet's live state: its backends, with discovery, active health checks and
 * passive outlier ejection wired together (pingora's LoadBalancer minus the
 * selection, which each route owns).
 *
 * The request path calls snapshot() (an O(1) read of an immutable BackendSet
 * that is swapped whole whenever membership or usability changes) and
 * acquire/release around each request; nothing on that path allocates a new
 * snapshot or waits on anything.
 */
import type { Backend, BackendSet, FleetFeedback, Outcome } from "./contracts.js";
import type { ClusterConfig } from "../../plan/proxy-config.js";
import { UpstreamTls } from "../tls/upstream-tls.js";
import { MutableBackendState } from "./backend-state.js";
import { createDiscovery, type Discovery, type DiscoveryResult, type Lookup } from "./discovery/index.js";
import { ActiveHealthChecker } from "./health/active-checker.js";
import { createHttpProbe } from "./health/active-http.js";
import { createTcpProbe } from "./health/active-tcp.js";
import type { ProbeResult } from "./health/probe.js";
import { currentEwma, updatePeakEwma } from "./selection/peak-ewma.js";
import { aboveThreshold, buildSnapshot } from "./snapshot.js";

export interface FleetEvents {
  /** Active health flipped (after the configured number of consecutive results). */
  onHealthChange?(backend: Backend, healthy: boolean, reason: string): void;
  /** Passive outlier detection ejected a backend until `untilMs` (epoch ms). */
  onEjection?(backend: Backend, untilMs: number, reason: string): void;
  /** An ejected backend is back in rotation (its time passed, or an active check saw it recover). */
  onReadmit?(backend: Backend, reason: string): void;
  /** A new snapshot was swapped in (membership, health or ejection changed). */
  onBackendsChanged?(set: BackendSet): void;
  /** Discovery failed; the fleet keeps its last known backends. */
  onDiscoveryError?(err: Error): void;
  /** The fleet's CA or client certificate files were re-read and changed: new connections use them. */
  onTlsReloaded?(reason: string): void;
  /** Re-reading them failed; the previous ones stay in use. */
  onTlsReloadFailed?(reason: string, err: Error): void;
}

export interface FleetOptions {
  /** Clock for ejections and latency decay (tests inject a fake one). Default Date.now. */
  now?: () => number;
  /** DNS resolver for dns discovery. Default dns.promises.lookup with all: true. */
  lookup?: Lookup;
  events?: FleetEvents;
}

/**
 * A failed request is a latency sample of at least this (and at least twice
 * the current estimate), so a backend that fails fast never looks fast.
 */
const FAILURE_PENALTY_MS = 100;

export class Fleet implements FleetFeedback {
  readonly name: string;
  /** How backends are reached over TLS (requests and health probes alike); undefined for plain HTTP. */
  readonly tls: UpstreamTls | undefined;
  private readonly now: () => number;
  private readonly events: FleetEvents;
  private readonly discovery: Discovery;
  private readonly checker: ActiveHealthChecker | undefined;
  private readonly states = new Map<string, MutableBackendState>();
  private order: MutableBackendState[] = [];
  private current: BackendSet;
  private version = 0;
  /** Earliest ejectedUntil among ejected backends (Infinity = none). */
  private nextReadmitAt = Infinity;
  private readmitTimer: NodeJS.Timeout | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;
  private starting: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly config: ClusterConfig,
    options: FleetOptions = {},
  ) {
    this.name = config.name;
    this.now = options.now ?? Date.now;
    this.events = options.events ?? {};
    this.tls = config.tls === undefined ? undefined : new UpstreamTls(config.tls, process.env, {
      onReloaded: (reason) => this.events.onTlsReloaded?.(reason),
      onReloadFailed: (reason, err) => this.events.onTlsReloadFailed?.(reason, err),
    });
    this.discovery = createDiscovery(config.discovery, options.lookup ? { lookup: options.lookup } : {});
    const hc = config.healthCheck;
    if (hc) {
      const probe = hc.protocol === "tcp" ? createTcpProbe(hc, this.tls) : createHttpProbe(hc, this.tls);
      this.checker = new ActiveHealthChecker(probe, hc.intervalMs, (backend, result) => this.onProbe(backend, result));
    }
    this.current = buildSnapshot(this.order, this.version, config.outlier.panicThreshold);
  }

  /**
   * Discovers the backends and starts health checks and DNS refresh. Never
   * rejects because of discovery: errors go to onDiscoveryError and the
   * fleet starts with what it found (possibly nothing, retried on refresh).
   */
  start(): Promise<void> {
    this.starting ??= this.refresh().then(() => {
      if (!this.stopped) this.scheduleRefresh();
    });
    return this.starting;
  }

  /** Stops every timer and health probe. Idempotent; in-flight release() calls stay harmless. */
  stop(): void {
    this.stopped = true;
    this.checker?.stop();
    this.tls?.close();
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    if (this.readmitTimer) clearTimeout(this.readmitTimer);
    this.refreshTimer = undefined;
    this.readmitTimer = undefined;
  }

  /** The current backend set: an O(1) read of an immutable object. */
  snapshot(): BackendSet {
    // Ejections end by time; checking here (one clock read while any backend is ejected)
    // makes readmission exact even between timer ticks or under a fake clock.
    if (this.nextReadmitAt !== Infinity && this.now() >= this.nextReadmitAt) this.readmitDue();
    return this.current;
  }

  acquire(backend: Backend): void {
    const s = this.states.get(backend.id);
    if (s) s.inflight++;
  }

  release(backend: Backend, outcome: Outcome, latencyMs: number): void {
    const s = this.states.get(backend.id);
    if (!s) return; // removed by discovery while the request was in flight
    if (s.inflight > 0) s.inflight--;
    const now = this.now();
    const failed = outcome !== "success" && outcome !== "http-5xx";
    const sample = failed ? Math.max(latencyMs, 2 * currentEwma(s, now), FAILURE_PENALTY_MS) : Math.max(0, latencyMs);
    s.ewmaMs = updatePeakEwma(s.ewmaMs, s.ewmaUpdatedAt, sample, now);
    s.ewmaUpdatedAt = now;
    const reason = s.outlier.record(outcome);
    if (reason !== undefined) this.tryEject(s, reason);
  }

  // ── passive ejection ──────────────────────────────────────────────────────

  private tryEject(s: MutableBackendState, reason: string): void {
    if (s.usable) {
      let usable = 0;
      for (const o of this.order) if (o.usable) usable++;
      // Never eject the last usable backend, nor one whose loss would put the
      // fleet below the panic threshold: with so few left, ejecting more
      // only concentrates traffic further (Envoy's max_ejection_percent).
      if (!aboveThreshold(usable - 1, this.order.length, this.config.outlier.panicThreshold)) return;
    }
    const until = s.outlier.eject();
    s.ejectedUntil = until;
    this.scheduleReadmit(until);
    this.swap();
    this.events.onEjection?.(s.backend, until, reason);
  }

  private scheduleReadmit(until: number): void {
    if (until >= this.nextReadmitAt && this.readmitTimer) return;
    this.nextReadmitAt = Math.min(this.nextReadmitAt, until);
    if (this.stopped) return;
    if (this.readmitTimer) clearTimeout(this.readmitTimer);
    this.readmitTimer = setTimeout(() => {
      this.readmitTimer = undefined;
      this.readmitDue();
    }, Math.max(0, this.nextReadmitAt - this.now()));
    this.readmitTimer.unref();
  }

  private readmitDue(): void {
    const now = this.now();
    let changed = false;
    let next = Infinity;
    const readmitted: MutableBackendState[] = [];
    for (const s of this.order) {
      if (s.ejectedUntil === 0) continue;
      if (s.outlier.readmitIfDue()) {
        s.ejectedUntil = 0;
        changed = true;
        readmitted.push(s);
      } else {
        next = Math.min(next, s.ejectedUntil);
      }
    }
    this.nextReadmitAt = Infinity;
    if (next !== Infinity) this.scheduleReadmit(next);
    else if (this.readmitTimer) {
      clearTimeout(this.readmitTimer);
      this.readmitTimer = undefined;
    }
    if (!changed) return;
    this.swap();
    for (const s of readmitted) this.events.onReadmit?.(s.backend, `ejection ended at ${now}`);
  }

  // ── active health ─────────────────────────────────────────────────────────

  private onProbe(backend: Backend, result: ProbeResult): void {
    const s = this.states.get(backend.id);
    if (!s || !s.threshold || this.stopped) return;
    if (!s.threshold.record(result.ok)) return;
    s.healthy = s.threshold.healthy;
    s.healthReason = result.reason;
    let readmitted = false;
    // Recovery seen by active checks ends a passive ejection too (Envoy's
    // successful_active_health_check_uneject_host), but only on the
    // unhealthy→healthy flip: a backend whose health endpoint is fine while
    // its real traffic fails stays ejected.
    if (s.healthy && s.ejectedUntil !== 0) {
      s.outlier.readmit();
      s.ejectedUntil = 0;
      readmitted = true;
    }
    this.swap();
    this.events.onHealthChange?.(s.backend, s.healthy, result.reason);
    if (readmitted) this.events.onReadmit?.(s.backend, `active health check: ${result.reason}`);
  }

  // ── discovery ─────────────────────────────────────────────────────────────

  private scheduleRefresh(): void {
    const every = this.discovery.refreshMs;
    if (every === undefined || this.stopped) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      void this.refresh().then(() => this.scheduleRefresh());
    }, every);
    this.refreshTimer.unref();
  }

  private async refresh(): Promise<void> {
    let result: DiscoveryResult;
    try {
      result = await this.discovery.discover();
    } catch (err) {
      // Discovery implementations report rather than throw; this guards a broken custom lookup.
      result = { backends: this.order.map((s) => s.backend), errors: [err instanceof Error ? err : new Error(String(err))] };
    }
    if (this.stopped) return;
    for (const err of result.errors) this.events.onDiscoveryError?.(err);
    this.apply(result.backends);
  }

  /** Adopts a discovered set: surviving backends keep their state, new ones start healthy. */
  private apply(backends: readonly Backend[]): void {
    const same =
      backends.length === this.order.length &&
      backends.every((b, i) => {
        const s = this.order[i]!;
        return s.backend.id === b.id && s.backend.weight === b.weight;
      });
    if (same) {
      this.checker?.sync(backends);
      return;
    }
    const next: MutableBackendState[] = [];
    const keep = new Set<string>();
    for (const b of backends) {
      let s = this.states.get(b.id);
      if (s) s.backend = b;
      else {
        s = new MutableBackendState(b, this.config.outlier, this.config.healthCheck, this.now);
        this.states.set(b.id, s);
      }
      keep.add(b.id);
      next.push(s);
    }
    for (const id of this.states.keys()) if (!keep.has(id)) this.states.delete(id);
    this.order = next;
    Object.freeze(this.order);
    this.swap();
    this.checker?.sync(backends);
  }

  private swap(): void {
    this.current = buildSnapshot(this.order, ++this.version, this.config.outlier.panicThreshold);
    this.events.onBackendsChanged?.(this.current);
  }
}
