/**
 * Grafana provisioning: a Prometheus datasource, a file dashboard provider and
 * one dashboard (request rate, error ratio, latency percentiles, cache hit
 * ratio, backend health) built from the same PromQL as the alert rules.
 */
import { stringify } from "yaml";
import { formatDuration } from "../../spec/units.js";
import { DATASOURCE_UID, GrafanaFiles } from "./files.js";
import { Metrics } from "../metric-names.js";
import { dashboardTitle, PanelTitles } from "./panels.js";
import * as q from "./promql.js";
import type { PlannedSlo } from "./slo.js";

/** Grafana's own interval variable: at least four scrapes, whatever the zoom. */
const W = "$__rate_interval";

export function datasourceYaml(prometheusUrl: string): string {
  return stringify({
    apiVersion: 1,
    datasources: [
      { name: "Prometheus", uid: DATASOURCE_UID, type: "prometheus", access: "proxy", url: prometheusUrl, isDefault: true, editable: false },
    ],
  });
}

export function dashboardProviderYaml(): string {
  return stringify({
    apiVersion: 1,
    providers: [
      {
        name: "edgeform",
        folder: "edgeform",
        type: "file",
        disableDeletion: true,
        allowUiUpdates: false,
        options: { path: GrafanaFiles.dashboardDir, foldersFromFilesStructure: false },
      },
    ],
  });
}

interface Target {
  expr: string;
  legendFormat: string;
}

interface PanelSpec {
  title: string;
  unit: string;
  targets: Target[];
  description: string;
  type?: "timeseries" | "stat";
}

export function dashboardJson(options: { prefix: string; hasCaches: boolean; slos?: PlannedSlo[] }): string {
  const panels: PanelSpec[] = [
    {
      title: PanelTitles.requestRate,
      unit: "reqps",
      description: "Requests per second through the edge, by route.",
      targets: [{ expr: q.requestRate(W, "route"), legendFormat: "{{route}}" }],
    },
    {
      title: PanelTitles.errorRatio,
      unit: "percentunit",
      description: "Share of edge responses with a 5xx status, by fleet and overall.",
      targets: [
        { expr: q.edge5xxRatio(W), legendFormat: "all" },
        { expr: q.edge5xxRatio(W, "fleet"), legendFormat: "{{fleet}}" },
      ],
    },
    {
      title: PanelTitles.latency,
      unit: "s",
      description: "Time to the response from the edge, p50 / p90 / p99 over all routes.",
      targets: [0.5, 0.9, 0.99].map((p) => ({ expr: q.latencyQuantile(p, W), legendFormat: `p${Math.round(p * 100)}` })),
    },
    {
      title: PanelTitles.p99ByRoute,
      unit: "s",
      description: "p99 latency per route.",
      targets: [{ expr: q.latencyQuantile(0.99, W, "route"), legendFormat: "{{route}}" }],
    },
    {
      title: PanelTitles.healthyBackends,
      unit: "short",
      description: "Backends passing active health checks, against all discovered backends.",
      targets: [
        { expr: q.healthyBackends(), legendFormat: "{{fleet}} healthy" },
        { expr: q.backendCount(), legendFormat: "{{fleet}} total" },
      ],
    },
    {
      title: PanelTitles.edgeErrors,
      unit: "reqps",
      description: "502/503/504 produced by the edge itself, by fleet and reason.",
      targets: [{ expr: q.upstreamErrorRate(W), legendFormat: "{{fleet}} {{reason}}" }],
    },
    {
      title: PanelTitles.openConnections,
      unit: "short",
      description: "Client connections open on each listener.",
      targets: [{ expr: q.openConnections(), legendFormat: "{{listener}}" }],
    },
    {
      title: PanelTitles.tlsExpiry,
      unit: "d",
      description: "Days until each https listener's certificates expire (empty without https listeners).",
      targets: [{ expr: `(min by (listener, certificate) (${Metrics.tlsCertificateExpiry}) - time()) / 86400`, legendFormat: "{{listener}} {{certificate}}" }],
    },
  ];
  if (options.hasCaches) {
    panels.push(
      {
        title: PanelTitles.cacheHitRatio,
        unit: "percentunit",
        description: "Requests through cached routes served from cache (fresh or stale), by cache.",
        targets: [{ expr: q.cacheHitRatio(W), legendFormat: "{{cache}}" }],
      },
      {
        title: PanelTitles.redisErrors,
        unit: "ops",
        description: "Errors talking to the shared Redis tier, by cache.",
        targets: [{ expr: q.redisErrorRate(W), legendFormat: "{{cache}}" }],
      },
    );
  }
  const availability = (options.slos ?? []).filter((s) => s.availability !== undefined);
  if (availability.length > 0) {
    panels.push(
      {
        title: PanelTitles.sloAvailability,
        unit: "percentunit",
        description: "Share of requests without a 5xx over each route's SLO window, against its objective.",
        targets: availability.flatMap((s) => [
          { expr: `1 - (${q.routeErrorRatio(s.route, windowOf(s))})`, legendFormat: `${s.route}` },
          { expr: `vector(${s.availability})`, legendFormat: `${s.route} objective` },
        ]),
      },
      {
        title: PanelTitles.errorBudget,
        unit: "percentunit",
        description: "Share of each route's error budget left over its SLO window (below 0: the objective is missed).",
        targets: availability.map((s) => ({
          expr: `1 - (${q.routeErrorRatio(s.route, windowOf(s))}) / ${Math.round((1 - s.availability!) * 1e9) / 1e9}`,
          legendFormat: s.route,
        })),
      },
    );
  }
  const dashboard = {
    uid: `edgeform-${options.prefix}`.slice(0, 40),
    title: dashboardTitle(options.prefix),
    tags: ["edgeform"],
    timezone: "browser",
    schemaVersion: 39,
    version: 1,
    editable: false,
    refresh: "10s",
    time: { from: "now-1h", to: "now" },
    templating: { list: [] },
    panels: panels.map((p, i) => panel(p, i)),
  };
  return JSON.stringify(dashboard, null, 2) + "\n";
}

function windowOf(slo: PlannedSlo): string {
  return formatDuration(slo.windowMs);
}

function panel(p: PanelSpec, index: number) {
  return {
    id: index + 1,
    type: p.type ?? "timeseries",
    title: p.title,
    description: p.description,
    // Two panels per row, 12 of Grafana's 24 columns each.
    gridPos: { h: 8, w: 12, x: (index % 2) * 12, y: Math.floor(index / 2) * 8 },
    datasource: { type: "prometheus", uid: DATASOURCE_UID },
    fieldConfig: { defaults: { unit: p.unit }, overrides: [] },
    options: { legend: { displayMode: "list", placement: "bottom" }, tooltip: { mode: "multi" } },
    targets: p.targets.map((t, i) => ({
      refId: String.fromCharCode(65 + i),
      datasource: { type: "prometheus", uid: DATASOURCE_UID },
      expr: t.expr,
      legendFormat: t.legendFormat,
    })),
  };
}

/** Every PromQL expression in a generated dashboard (for checks and tests). */
export function dashboardExpressions(json: string): string[] {
  const doc = JSON.parse(json) as { panels: Array<{ targets: Array<{ expr: string }> }> };
  return doc.panels.flatMap((p) => p.targets.map((t) => t.expr));
}
