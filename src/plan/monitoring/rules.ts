/**
 * Alert rules from `monitoring.alerts` (defaults in Defaults.alerts): edge 5xx
 * ratio, a backend (and a whole fleet) down for N, Redis tier errors, high p99
 * latency, retry budget exhaustion. Checked by `promtool check rules` in tests.
 */
import { stringify } from "yaml";
import { AlertNames } from "../../spec/alert-labels.js";
import type { MonitoringSpec } from "../../spec/types.js";
import { ms, promDuration } from "../../spec/units.js";
import { Defaults } from "../defaults.js";
import { Metrics } from "../metric-names.js";
import type { PlannedCache } from "../types.js";
import { EDGE_SCRAPE_JOB } from "./files.js";
import { dashboardTitle, PanelTitles } from "./panels.js";
import * as q from "./promql.js";
import { sloAlertRules, sloRecordingRules, type PlannedSlo, type RecordingRule, type SloAlertRule } from "./slo.js";

/** Days of validity left at which a served certificate raises an alert. */
const TLS_EXPIRY_WARNING_DAYS = 14;

interface AlertRule {
  alert: string;
  expr: string;
  for: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface AlertThresholds {
  edge5xxRatio: number;
  backendDownForMs: number;
  p99LatencyAboveMs: number;
  cacheErrorsPerSecond: number;
}

export function alertThresholds(spec: MonitoringSpec["alerts"]): AlertThresholds {
  const d = Defaults.alerts;
  return {
    edge5xxRatio: spec?.edge5xxRatio ?? d.edge5xxRatio,
    backendDownForMs: ms(spec?.backendDownFor ?? d.backendDownFor),
    p99LatencyAboveMs: ms(spec?.p99LatencyAbove ?? d.p99LatencyAbove),
    cacheErrorsPerSecond: spec?.cacheErrorsPerSecond ?? d.cacheErrorsPerSecond,
  };
}

/** A rate window that spans several scrapes, so one missed scrape does not blank a panel or an alert. */
export function rateWindow(scrapeIntervalMs: number): string {
  return promDuration(Math.max(4 * scrapeIntervalMs, 60_000));
}

export function alertRulesYaml(options: { prefix: string; thresholds: AlertThresholds; caches: PlannedCache[]; scrapeIntervalMs: number; slos?: PlannedSlo[] }): string {
  const { prefix, thresholds: t, caches } = options;
  const w = rateWindow(options.scrapeIntervalMs);
  const labels = (severity: string, source?: "edge" | "fleet") => ({ severity, topology: prefix, ...(source ? { source } : {}) });
  const dashboard = dashboardTitle(prefix);
  const open = (...panels: string[]) => `Open the Grafana dashboard "${dashboard}", panel${panels.length > 1 ? "s" : ""} ${panels.map((p) => `"${p}"`).join(" and ")}.`;
  const p99Seconds = t.p99LatencyAboveMs / 1000;
  const edge: AlertRule[] = [
    {
      alert: AlertNames.edgeDown,
      expr: q.edgeDown(EDGE_SCRAPE_JOB),
      for: "1m",
      labels: labels("critical", "edge"),
      annotations: {
        summary: "Edge replica {{ $labels.instance }} cannot be scraped",
        description: "Prometheus has not reached the edge's admin endpoint (/metrics) for a minute: the replica is down or unreachable.",
        runbook: `${open(PanelTitles.requestRate, PanelTitles.openConnections)} Check the edge process or container at {{ $labels.instance }} and its logs.`,
      },
    },
    {
      alert: AlertNames.edge5xxRatio,
      expr: `${q.edge5xxRatio(w)} > ${t.edge5xxRatio}`,
      for: "2m",
      labels: labels("critical"),
      annotations: {
        summary: `More than ${pct(t.edge5xxRatio)} of responses from the ${prefix} edge are 5xx`,
        description: "The edge tier answered {{ $value | humanizePercentage }} of requests with a 5xx status over the last " + w + ".",
        runbook: `${open(PanelTitles.errorRatio, PanelTitles.edgeErrors)} The fleet lines show which fleet fails; "${PanelTitles.edgeErrors}" shows 502/503/504 the edge produced itself (reason: connect, timeout, no healthy backend).`,
      },
    },
    {
      alert: AlertNames.highP99Latency,
      expr: `${q.latencyQuantile(0.99, w, "route")} > ${p99Seconds}`,
      for: "5m",
      labels: labels("warning"),
      annotations: {
        summary: `p99 latency of route {{ $labels.route }} is above ${promDuration(t.p99LatencyAboveMs)}`,
        description: "p99 latency is {{ $value | humanizeDuration }} on route {{ $labels.route }}.",
        runbook: `${open(PanelTitles.p99ByRoute, PanelTitles.healthyBackends)} Find route {{ $labels.route }}; a slow fleet behind it or a falling cache hit ratio are the usual causes.`,
      },
    },
    {
      alert: AlertNames.retryBudgetExhausted,
      expr: `${q.retryBudgetExhaustedRate(w)} > 0`,
      for: "5m",
      labels: labels("warning"),
      annotations: {
        summary: "Retries to fleet {{ $labels.fleet }} are being refused by the retry budget",
        description: "The fleet is failing often enough that the edge stopped retrying to protect it.",
        runbook: `${open(PanelTitles.edgeErrors, PanelTitles.healthyBackends)} Check fleet {{ $labels.fleet }}: its failing backends and its own logs.`,
      },
    },
    {
      // Renewal (ACME or by hand) normally happens 30 days ahead; 14 days left means it did not.
      alert: "EdgeformTlsCertificateExpiringSoon",
      expr: `min by (listener, certificate) (${Metrics.tlsCertificateExpiry}) - time() < ${TLS_EXPIRY_WARNING_DAYS * 86_400}`,
      for: "10m",
      labels: labels("warning"),
      annotations: {
        summary: "The certificate {{ $labels.certificate }} of listener {{ $labels.listener }} expires within " + TLS_EXPIRY_WARNING_DAYS + " days",
        description: "It expires in {{ $value | humanizeDuration }}; renew it or check why automatic renewal did not.",
        runbook: `${open(PanelTitles.tlsExpiry)} Replace the certificate file or secret of listener {{ $labels.listener }} (the proxy picks it up without a restart).`,
      },
    },
  ];
  const backends: AlertRule[] = [
    {
      alert: AlertNames.backendDown,
      expr: q.backendDown(),
      for: promDuration(t.backendDownForMs),
      labels: labels("warning", "fleet"),
      annotations: {
        summary: "Backend {{ $labels.backend }} of fleet {{ $labels.fleet }} is unhealthy",
        description: `The edge's health checks have failed for at least ${promDuration(t.backendDownForMs)}.`,
        runbook: `${open(PanelTitles.healthyBackends)} Check backend {{ $labels.backend }} of fleet {{ $labels.fleet }}: is the process up, does its health check path answer?`,
      },
    },
    {
      alert: AlertNames.fleetDown,
      expr: q.fleetDown(),
      for: promDuration(t.backendDownForMs),
      labels: labels("critical", "fleet"),
      annotations: {
        summary: "Every backend of fleet {{ $labels.fleet }} is unhealthy",
        description: "Requests routed to this fleet fail or are served in panic mode.",
        runbook: `${open(PanelTitles.healthyBackends, PanelTitles.edgeErrors)} Every backend of fleet {{ $labels.fleet }} fails its health check: look for a bad deploy or a dependency the whole fleet shares.`,
      },
    },
  ];
  const groups: Array<{ name: string; rules: Array<AlertRule | RecordingRule | SloAlertRule> }> = [
    { name: `${prefix}-edge`, rules: edge },
    { name: `${prefix}-backends`, rules: backends },
  ];
  if (caches.some((c) => c.redis)) {
    groups.push({
      name: `${prefix}-cache`,
      rules: [
        {
          alert: AlertNames.cacheRedisErrors,
          expr: `${q.redisErrorRate(w)} > ${t.cacheErrorsPerSecond}`,
          for: "5m",
          labels: labels("warning"),
          annotations: {
            summary: "The Redis tier of cache {{ $labels.cache }} is failing",
            description: `More than ${t.cacheErrorsPerSecond} Redis errors per second; the edge falls back to its memory tier.`,
            runbook: `${open(PanelTitles.redisErrors, PanelTitles.cacheHitRatio)} Check the Redis tier of cache {{ $labels.cache }}: memory, connections, network.`,
          },
        },
        {
          alert: AlertNames.cacheRedisDown,
          expr: q.redisDown(),
          for: "1m",
          labels: labels("warning"),
          annotations: {
            summary: "The edge cannot reach the Redis tier of cache {{ $labels.cache }}",
            description: "Cached responses are not shared between edge replicas until Redis is back.",
            runbook: `${open(PanelTitles.redisErrors)} Is the Redis server of cache {{ $labels.cache }} running and reachable from the edge?`,
          },
        },
      ],
    });
  }
  const slos = options.slos ?? [];
  if (slos.length > 0) {
    groups.push({ name: `${prefix}-slo-recording`, rules: sloRecordingRules(slos) });
    groups.push({ name: `${prefix}-slo`, rules: sloAlertRules(slos, { prefix, dashboard }) });
  }
  return `# Generated by edgeform from topology "${prefix}". Do not edit: change monitoring.alerts in the spec.\n${stringify({ groups }, { lineWidth: 0, aliasDuplicateObjects: false })}`;
}

function pct(ratio: number): string {
  return `${Math.round(ratio * 10000) / 100}%`;
}
