/**
 * The proxy's Prometheus metrics (names only from plan/metric-names.ts).
 *
 * prom-client hashes and validates label values on every inc()/observe(),
 * even on a child from labels(), which costs more than the rest of a small
 * request's bookkeeping. So the two per-request series (request count and
 * latency histogram) accumulate in plain typed arrays, one RequestSeries per
 * listener × route × backend that the caller caches, and are exported as
 * prom-client metric objects whose get() builds the values at scrape time.
 * Everything else (errors, retries, health, ejections) is rare and uses
 * prom-client's own classes.
 */
import { createHash } from "node:crypto";
import { Counter, Gauge, Registry, type Metric, type MetricValue, type MetricValueWithName } from "prom-client";
import { Metrics } from "../../plan/metric-names.js";

/** Latency buckets in seconds: sub-millisecond proxying up to slow origins. */
export const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] as const;
const NB = DURATION_BUCKETS.length;
const STATUS_CLASSES = ["other", "1xx", "2xx", "3xx", "4xx", "5xx"] as const;

/** Count and latency histogram of one listener × route × fleet × backend, per status class. */
export class RequestSeries {
  readonly counts = new Float64Array(6);
  readonly sums = new Float64Array(6);
  /** Per status class: NB bucket counts (non-cumulative) then the overflow (+Inf). */
  readonly buckets = new Float64Array(6 * (NB + 1));

  constructor(
    readonly listener: string,
    readonly route: string,
    readonly fleet: string,
    readonly backend: string,
  ) {}

  record(status: number, seconds: number): void {
    const c = status >= 100 && status < 600 ? (status / 100) | 0 : 0;
    this.counts[c]!++;
    this.sums[c]! += seconds;
    let b = 0;
    while (b < NB && seconds > DURATION_BUCKETS[b]!) b++;
    this.buckets[c * (NB + 1) + b]!++;
  }
}

/** The shape prom-client's Registry expects from a metric (its own classes implement it). */
interface CollectedMetric {
  name: string;
  help: string;
  type: "counter" | "histogram";
  aggregator: "sum";
  get(): Promise<{ name: string; help: string; type: string; aggregator: "sum"; values: Array<MetricValue<string> | MetricValueWithName<string>> }>;
  reset(): void;
}

export class ProxyMetrics {
  readonly registry: Registry;
  private readonly series = new Map<string, RequestSeries>();
  private readonly open = new Map<string, number>();
  private configHash = "";
  private configLoadedAt = Date.now();
  readonly upstreamErrors: Counter<"route" | "fleet" | "reason">;
  readonly backendHealthy: Gauge<"fleet" | "backend">;
  readonly retries: Counter<"route" | "fleet">;
  readonly retryBudgetExhausted: Counter<"route" | "fleet">;
  readonly ejections: Counter<"fleet" | "backend">;
  readonly tcpConnections: Counter<"listener" | "fleet" | "backend">;

  constructor(registry: Registry = new Registry()) {
    this.registry = registry;
    const registers = [registry];
    registry.registerMetric(this.requestsMetric() as unknown as Metric);
    registry.registerMetric(this.durationMetric() as unknown as Metric);
    this.upstreamErrors = new Counter({
      name: Metrics.upstreamErrors,
      help: "Requests the proxy answered itself with 502/503/504 because no backend gave a usable response.",
      labelNames: ["route", "fleet", "reason"],
      registers,
    });
    this.backendHealthy = new Gauge({
      name: Metrics.backendHealthy,
      help: "1 when the backend is in rotation (healthy and not ejected), else 0.",
      labelNames: ["fleet", "backend"],
      registers,
      aggregator: "min",
    });
    this.retries = new Counter({ name: Metrics.retries, help: "Retries sent to another backend.", labelNames: ["route", "fleet"], registers });
    this.retryBudgetExhausted = new Counter({
      name: Metrics.retriesBudgetExhausted,
      help: "Retries not sent because the fleet's retry budget was spent.",
      labelNames: ["route", "fleet"],
      registers,
    });
    this.ejections = new Counter({ name: Metrics.ejections, help: "Passive outlier ejections.", labelNames: ["fleet", "backend"], registers });
    const open = this.open;
    new Gauge({
      name: Metrics.openConnections,
      help: "Client connections currently open, per listener.",
      labelNames: ["listener"],
      registers,
      collect() {
        this.reset();
        for (const [listener, n] of open) this.set({ listener }, n);
      },
    });
    this.tcpConnections = new Counter({
      name: Metrics.tcpConnections,
      help: "TCP connections proxied, per listener and backend.",
      labelNames: ["listener", "fleet", "backend"],
      registers,
    });
    const self = this;
    new Gauge({
      name: Metrics.configInfo,
      help: "Seconds since the running config was loaded; the hash label identifies it.",
      labelNames: ["hash"],
      registers,
      aggregator: "max",
      collect() {
        this.reset();
        if (self.configHash) this.set({ hash: self.configHash }, (Date.now() - self.configLoadedAt) / 1000);
      },
    });
  }

  /** The series a request is recorded in; callers cache the result per route × backend. */
  requestSeries(listener: string, route: string, fleet: string, backend: string): RequestSeries {
    const key = `${listener}\u0000${route}\u0000${fleet}\u0000${backend}`;
    let s = this.series.get(key);
    if (!s) {
      s = new RequestSeries(listener, route, fleet, backend);
      this.series.set(key, s);
    }
    return s;
  }

  connectionOpened(listener: string): void {
    this.open.set(listener, (this.open.get(listener) ?? 0) + 1);
  }

  connectionClosed(listener: string): void {
    this.open.set(listener, (this.open.get(listener) ?? 1) - 1);
  }

  configLoaded(configJson: string): void {
    this.configHash = createHash("sha256").update(configJson).digest("hex").slice(0, 12);
    this.configLoadedAt = Date.now();
  }

  setBackendHealthy(fleet: string, backend: string, usable: boolean): void {
    this.backendHealthy.set({ fleet, backend }, usable ? 1 : 0);
  }

  /** Removes the health gauge of backends discovery no longer reports. */
  forgetBackend(fleet: string, backend: string): void {
    this.backendHealthy.remove({ fleet, backend });
  }

  private requestsMetric(): CollectedMetric {
    const series = this.series;
    return {
      name: Metrics.httpRequests,
      help: "HTTP requests answered, by listener, route, fleet, backend and status class.",
      type: "counter",
      aggregator: "sum",
      async get() {
        const values: MetricValue<string>[] = [];
        for (const s of series.values()) {
          for (let c = 0; c < 6; c++) {
            if (s.counts[c] === 0) continue;
            values.push({
              value: s.counts[c]!,
              labels: { listener: s.listener, route: s.route, fleet: s.fleet, backend: s.backend, status_class: STATUS_CLASSES[c]! },
            });
          }
        }
        return { name: Metrics.httpRequests, help: this.help, type: "counter", aggregator: "sum", values };
      },
      reset() {
        // Routes cache their series, so zero them in place rather than dropping them.
        for (const s of series.values()) {
          s.counts.fill(0);
          s.sums.fill(0);
          s.buckets.fill(0);
        }
      },
    };
  }

  private durationMetric(): CollectedMetric {
    const series = this.series;
    const name = Metrics.httpRequestDuration;
    return {
      name,
      help: "Time from receiving a request to sending the last byte of its response, in seconds.",
      type: "histogram",
      aggregator: "sum",
      async get() {
        // The histogram has no listener label: merge listeners that share route × backend.
        const merged = new Map<string, { labels: Record<string, string>; count: number; sum: number; buckets: Float64Array }>();
        for (const s of series.values()) {
          for (let c = 0; c < 6; c++) {
            if (s.counts[c] === 0) continue;
            const key = `${s.route}\u0000${s.fleet}\u0000${s.backend}\u0000${c}`;
            let m = merged.get(key);
            if (!m) {
              m = { labels: { route: s.route, fleet: s.fleet, backend: s.backend, status_class: STATUS_CLASSES[c]! }, count: 0, sum: 0, buckets: new Float64Array(NB + 1) };
              merged.set(key, m);
            }
            m.count += s.counts[c]!;
            m.sum += s.sums[c]!;
            for (let b = 0; b <= NB; b++) m.buckets[b]! += s.buckets[c * (NB + 1) + b]!;
          }
        }
        const values: MetricValueWithName<string>[] = [];
        for (const m of merged.values()) {
          let acc = 0;
          for (let b = 0; b < NB; b++) {
            acc += m.buckets[b]!;
            values.push({ metricName: `${name}_bucket`, labels: { ...m.labels, le: DURATION_BUCKETS[b]! }, value: acc });
          }
          values.push({ metricName: `${name}_bucket`, labels: { ...m.labels, le: "+Inf" }, value: m.count });
          values.push({ metricName: `${name}_sum`, labels: m.labels, value: m.sum });
          values.push({ metricName: `${name}_count`, labels: m.labels, value: m.count });
        }
        return { name, help: this.help, type: "histogram", aggregator: "sum", values };
      },
      reset() {
        // Shares the series with the request counter, which zeroes them.
      },
    };
  }
}
