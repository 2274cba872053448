/**
 * SLO alerts, the method of the SRE workbook (chapter 5, "multiwindow,
 * multi-burn-rate alerts"): recording rules keep each route's error ratio over
 * 5m … 3d, and an alert fires when both a long and a short window burn the
 * error budget faster than a rate that would spend a set share of it — 2% in
 * 1h or 5% in 6h pages, 10% in 1d or 3d opens a ticket. The short window makes
 * the alert resolve soon after the burn stops.
 *
 * Availability counts 5xx answers, split by where they come from: `edge` (the
 * proxy answered 502/503/504 itself: no backend, timeouts, refused
 * connections) or `fleet` (a backend's own 5xx); each alert is labelled with
 * the source that dominates. Latency counts requests slower than the
 * objective, read from the latency histogram by linear interpolation between
 * the two bucket bounds around it (as histogram_quantile does).
 */
import { AlertNames, LATENCY_BUCKETS_SECONDS } from "../../spec/alert-labels.js";
import type { SloSpec } from "../../spec/types.js";
import { formatDuration, ms } from "../../spec/units.js";
import { Metrics } from "../metric-names.js";
import { Defaults } from "../defaults.js";
import { PanelTitles } from "./panels.js";

export interface PlannedSlo {
  route: string;
  fleet: string;
  /** Share of requests that must succeed, e.g. 0.999; undefined when only latency has an objective. */
  availability?: number;
  /** 99% of requests faster than this; undefined when only availability has an objective. */
  latencyP99Ms?: number;
  windowMs: number;
}

export interface RecordingRule {
  record: string;
  expr: string;
  labels?: Record<string, string>;
}

export interface SloAlertRule {
  alert: string;
  expr: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

const HOUR = 3_600_000;
const MINUTE = 60_000;

/** The SRE workbook's four burn-rate alerts: budget share spent within the long window. */
export const BURN_ALERTS = [
  { severity: "page", longMs: HOUR, shortMs: 5 * MINUTE, budgetSpent: 0.02 },
  { severity: "page", longMs: 6 * HOUR, shortMs: 30 * MINUTE, budgetSpent: 0.05 },
  { severity: "ticket", longMs: 24 * HOUR, shortMs: 2 * HOUR, budgetSpent: 0.1 },
  { severity: "ticket", longMs: 72 * HOUR, shortMs: 6 * HOUR, budgetSpent: 0.1 },
] as const;

const WINDOWS_MS = [...new Set(BURN_ALERTS.flatMap((b) => [b.shortMs, b.longMs]))].sort((a, b) => a - b);

/** How fast the budget burns when a share `budgetSpent` of it goes within `longMs`. */
export function burnRate(budgetSpent: number, longMs: number, windowMs: number): number {
  return round(budgetSpent * windowMs / longMs);
}

export const SloSeries = {
  availability: (w: string) => `edgeform_route:slo_availability_errors:ratio_rate${w}`,
  errorsBySource: (w: string) => `edgeform_route:slo_errors_by_source:ratio_rate${w}`,
  latency: (w: string) => `edgeform_route:slo_latency_errors:ratio_rate${w}`,
} as const;

/** Each route's objectives: the route's own `slo` over the topology's `monitoring.alerts.slo`. */
export function planSlos(topologySlo: SloSpec | undefined, routes: Array<{ name: string; fleet: string; slo?: SloSpec }>): PlannedSlo[] {
  const out: PlannedSlo[] = [];
  for (const r of routes) {
    const slo = { ...(topologySlo ?? {}), ...(r.slo ?? {}) };
    if (slo.availability === undefined && slo.latencyP99 === undefined) continue;
    const planned: PlannedSlo = { route: r.name, fleet: r.fleet, windowMs: ms(slo.window ?? Defaults.slo.window) };
    if (slo.availability !== undefined) planned.availability = Number(slo.availability.slice(0, -1)) / 100;
    if (slo.latencyP99 !== undefined) planned.latencyP99Ms = ms(slo.latencyP99);
    out.push(planned);
  }
  return out;
}

export function sloRecordingRules(slos: PlannedSlo[]): RecordingRule[] {
  const rules: RecordingRule[] = [];
  if (slos.some((s) => s.availability !== undefined)) {
    for (const windowMs of WINDOWS_MS) {
      const w = formatDuration(windowMs);
      const all = `sum by (route) (rate(${Metrics.httpRequests}[${w}]))`;
      const edge = `(sum by (route) (rate(${Metrics.upstreamErrors}[${w}])) or 0 * ${all})`;
      const any5xx = `(sum by (route) (rate(${Metrics.httpRequests}{status_class="5xx"}[${w}])) or 0 * ${all})`;
      rules.push(
        { record: SloSeries.availability(w), expr: `${any5xx} / ${all}` },
        { record: SloSeries.errorsBySource(w), expr: `${edge} / ${all}`, labels: { source: "edge" } },
        // The edge's own 502/503/504 are 5xx too; what is left came from the fleet.
        { record: SloSeries.errorsBySource(w), expr: `clamp_min(${any5xx} - ${edge}, 0) / ${all}`, labels: { source: "fleet" } },
      );
    }
  }
  for (const slo of slos) {
    if (slo.latencyP99Ms === undefined) continue;
    for (const windowMs of WINDOWS_MS) {
      const w = formatDuration(windowMs);
      const sel = `route="${slo.route}"`;
      const all = `sum by (route) (rate(${Metrics.httpRequests}{${sel}}[${w}]))`;
      // Static route label: each route has a threshold of its own, so a rule of its own.
      rules.push({ record: SloSeries.latency(w), expr: `1 - (${fasterThan(slo.latencyP99Ms / 1000, sel, w)}) / ${all}`, labels: { route: slo.route } });
    }
  }
  return rules;
}

/** Requests per second faster than `seconds`, interpolated between the histogram bounds around it. */
export function fasterThan(seconds: number, selector: string, window: string): string {
  const bucket = (le: number) => `sum by (route) (rate(${Metrics.httpRequestDuration}_bucket{${selector},le="${le}"}[${window}]))`;
  const upperIndex = LATENCY_BUCKETS_SECONDS.findIndex((b) => b >= seconds);
  const upper = LATENCY_BUCKETS_SECONDS[upperIndex]!;
  if (upper === seconds || upperIndex === 0) return bucket(upper);
  const lower = LATENCY_BUCKETS_SECONDS[upperIndex - 1]!;
  const f = round((seconds - lower) / (upper - lower));
  return `${bucket(lower)} * ${round(1 - f)} + ${bucket(upper)} * ${f}`;
}

export function sloAlertRules(slos: PlannedSlo[], ctx: { prefix: string; dashboard: string }): SloAlertRule[] {
  const rules: SloAlertRule[] = [];
  for (const slo of slos) {
    for (const severity of ["page", "ticket"] as const) {
      const rows = BURN_ALERTS.filter((b) => b.severity === severity);
      const sel = `{route="${slo.route}"}`;
      const speed = severity === "page" ? "fast" : "slowly";
      const labels = { severity, topology: ctx.prefix, route: slo.route };
      if (slo.availability !== undefined) {
        const budget = round(1 - slo.availability);
        const burning = rows.map((b) => {
          const threshold = round(burnRate(b.budgetSpent, b.longMs, slo.windowMs) * budget);
          return `(${SloSeries.availability(formatDuration(b.longMs))}${sel} > ${threshold} and ${SloSeries.availability(formatDuration(b.shortMs))}${sel} > ${threshold})`;
        }).join(" or ");
        // Copies the label `source` of the larger share of errors over the first long window; the value stays the error ratio.
        const source = `on (route) group_left (source) (0 * topk by (route) (1, ${SloSeries.errorsBySource(formatDuration(rows[0]!.longMs))}${sel}) + 1)`;
        rules.push({
          alert: AlertNames.sloAvailabilityBurn,
          expr: `(${burning}) * ${source}`,
          labels: { ...labels, slo: "availability" },
          annotations: {
            summary: `Route ${slo.route} is burning its availability error budget ${speed}`,
            description:
              `{{ $value | humanizePercentage }} of requests on route ${slo.route} (fleet ${slo.fleet}) failed with a 5xx; the objective is ` +
              `${pct(slo.availability)} over ${formatDuration(slo.windowMs)}. Most errors come from the {{ $labels.source }}.`,
            runbook:
              `Open the Grafana dashboard "${ctx.dashboard}", panels "${PanelTitles.errorBudget}" and "${PanelTitles.edgeErrors}". ` +
              `source=edge: the edge answered 502/503/504 itself — check fleet ${slo.fleet}'s health ("${PanelTitles.healthyBackends}") and timeouts. ` +
              `source=fleet: fleet ${slo.fleet} returns 5xx — check its logs and recent deploys.`,
          },
        });
      }
      if (slo.latencyP99Ms !== undefined) {
        const burning = rows.map((b) => {
          const threshold = round(burnRate(b.budgetSpent, b.longMs, slo.windowMs) * 0.01);
          return `(${SloSeries.latency(formatDuration(b.longMs))}${sel} > ${threshold} and ${SloSeries.latency(formatDuration(b.shortMs))}${sel} > ${threshold})`;
        }).join(" or ");
        rules.push({
          alert: AlertNames.sloLatencyBurn,
          expr: burning,
          labels: { ...labels, slo: "latency" },
          annotations: {
            summary: `Route ${slo.route} is burning its latency error budget ${speed}`,
            description:
              `{{ $value | humanizePercentage }} of requests on route ${slo.route} (fleet ${slo.fleet}) took longer than ` +
              `${formatDuration(slo.latencyP99Ms)}; the objective is 99% faster over ${formatDuration(slo.windowMs)}.`,
            runbook:
              `Open the Grafana dashboard "${ctx.dashboard}", panels "${PanelTitles.p99ByRoute}" and "${PanelTitles.errorBudget}"; ` +
              `compare with fleet ${slo.fleet}'s health ("${PanelTitles.healthyBackends}") and the cache hit ratio.`,
          },
        });
      }
    }
  }
  return rules;
}

function round(n: number): number {
  return Math.round(n * 1e9) / 1e9;
}

function pct(ratio: number): string {
  return `${round(ratio * 100)}%`;
}
