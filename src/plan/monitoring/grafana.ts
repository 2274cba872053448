/**
 * Grafana provisioning: a Prometheus datasource, a file dashboard provider and
 * one dashboard (request rate, error ratio, latency percentiles, cache hit
 * ratio, backend health) built from the same PromQL as the alert rules.
 */
import { stringify } from "yaml";
import { DATASOURCE_UID, GrafanaFiles } from "./files.js";
import * as q from "./promql.js";

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

export function dashboardJson(options: { prefix: string; hasCaches: boolean }): string {
  const panels: PanelSpec[] = [
    {
      title: "Request rate by route",
      unit: "reqps",
      description: "Requests per second through the edge, by route.",
      targets: [{ expr: q.requestRate(W, "route"), legendFormat: "{{route}}" }],
    },
    {
      title: "5xx error ratio",
      unit: "percentunit",
      description: "Share of edge responses with a 5xx status, by fleet and overall.",
      targets: [
        { expr: q.edge5xxRatio(W), legendFormat: "all" },
        { expr: q.edge5xxRatio(W, "fleet"), legendFormat: "{{fleet}}" },
      ],
    },
    {
      title: "Latency percentiles",
      unit: "s",
      description: "Time to the response from the edge, p50 / p90 / p99 over all routes.",
      targets: [0.5, 0.9, 0.99].map((p) => ({ expr: q.latencyQuantile(p, W), legendFormat: `p${Math.round(p * 100)}` })),
    },
    {
      title: "p99 latency by route",
      unit: "s",
      description: "p99 latency per route.",
      targets: [{ expr: q.latencyQuantile(0.99, W, "route"), legendFormat: "{{route}}" }],
    },
    {
      title: "Healthy backends by fleet",
      unit: "short",
      description: "Backends passing active health checks, against all discovered backends.",
      targets: [
        { expr: q.healthyBackends(), legendFormat: "{{fleet}} healthy" },
        { expr: q.backendCount(), legendFormat: "{{fleet}} total" },
      ],
    },
    {
      title: "Errors answered by the edge",
      unit: "reqps",
      description: "502/503/504 produced by the edge itself, by fleet and reason.",
      targets: [{ expr: q.upstreamErrorRate(W), legendFormat: "{{fleet}} {{reason}}" }],
    },
    {
      title: "Open connections",
      unit: "short",
      description: "Client connections open on each listener.",
      targets: [{ expr: q.openConnections(), legendFormat: "{{listener}}" }],
    },
  ];
  if (options.hasCaches) {
    panels.push(
      {
        title: "Cache hit ratio",
        unit: "percentunit",
        description: "Requests through cached routes served from cache (fresh or stale), by cache.",
        targets: [{ expr: q.cacheHitRatio(W), legendFormat: "{{cache}}" }],
      },
      {
        title: "Redis tier errors",
        unit: "ops",
        description: "Errors talking to the shared Redis tier, by cache.",
        targets: [{ expr: q.redisErrorRate(W), legendFormat: "{{cache}}" }],
      },
    );
  }
  const dashboard = {
    uid: `edgeform-${options.prefix}`.slice(0, 40),
    title: `edgeform: ${options.prefix}`,
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
