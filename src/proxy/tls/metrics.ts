/**
 * edgeform_tls_certificate_expiry_seconds{listener, certificate}: the Unix
 * time at which each served certificate expires, read at scrape time from
 * the listeners' current tables (so a rotated certificate replaces the old
 * series). Workers serve the same files, so the primary keeps the earliest.
 */
import { Gauge, type Registry } from "prom-client";
import { Metrics } from "../../plan/metric-names.js";

export interface ExpirySource {
  readonly listenerName: string;
  expiries(): ReadonlyArray<{ certificate: string; notAfter: number }>;
}

const gauges = new WeakMap<Registry, Set<ExpirySource>>();

/** Registers a listener's certificates with the registry's gauge; returns the unregister function. */
export function exportCertificateExpiry(registry: Registry, source: ExpirySource): () => void {
  const sources = certificateExpiryGauge(registry);
  sources.add(source);
  return () => sources.delete(source);
}

/** The registry's expiry gauge, created on first use (the proxy creates it at start, so it is listed with no https listener too). */
export function certificateExpiryGauge(registry: Registry): Set<ExpirySource> {
  let sources = gauges.get(registry);
  if (sources === undefined) {
    const live = new Set<ExpirySource>();
    sources = live;
    gauges.set(registry, live);
    new Gauge({
      name: Metrics.tlsCertificateExpiry,
      help: "Unix time (seconds) at which a certificate served by an https listener expires.",
      labelNames: ["listener", "certificate"],
      registers: [registry],
      aggregator: "min",
      collect() {
        this.reset();
        for (const s of live) for (const e of s.expiries()) this.set({ listener: s.listenerName, certificate: e.certificate }, Math.floor(e.notAfter / 1000));
      },
    });
  }
  return sources;
}
