/**
 * Monitoring plan: prometheus.yml, alert rules (SLO burn-rate alerts among
 * them), alertmanager.yml and Grafana provisioning,
 * generated from the topology for one target. Prometheus is planned when the
 * spec has a `monitoring` section (and does not disable it) or when Grafana
 * needs a datasource; Grafana when `monitoring.grafana` is given.
 */
import type { SloSpec, Topology } from "../../spec/types.js";
import { ms } from "../../spec/units.js";
import { Defaults } from "../defaults.js";
import { resourceName } from "../naming.js";
import type { DevAddresses } from "../dev-addresses.js";
import type { PlannedCache, PlannedEdge, PlannedMonitoring, Provider } from "../types.js";
import { planAlertmanager } from "./alertmanager.js";
import { awsDiscoveryNames, PrometheusFiles, secretFilePath } from "./files.js";
import { dashboardJson, dashboardProviderYaml, datasourceYaml } from "./grafana.js";
import { planScrape, prometheusConfigYaml, type AlertmanagerTarget } from "./prometheus-config.js";
import { alertRulesYaml, alertThresholds } from "./rules.js";
import { planSlos } from "./slo.js";

export interface MonitoringContext {
  provider: Provider;
  prefix: string;
  edge: PlannedEdge;
  caches: PlannedCache[];
  /** HTTP routes as the proxy names them (the `route` label), with their own SLO overrides. */
  routes: Array<{ name: string; fleet: string; slo?: SloSpec }>;
  dev: DevAddresses;
  images: { prometheus?: string; grafana?: string; alertmanager?: string };
  /** The secret holding the bearer token the edge's /metrics asks for (edge.admin.metricsToken). */
  metricsTokenSecret?: string;
}

export function planMonitoring(topology: Topology, ctx: MonitoringContext): PlannedMonitoring {
  const spec = topology.monitoring;
  if (!spec) return {};
  const grafanaOn = spec.grafana !== undefined && spec.grafana.enabled !== false;
  const prometheusOn = spec.prometheus?.enabled !== false || grafanaOn;
  if (!prometheusOn) return {};

  const scrapeIntervalMs = ms(spec.prometheus?.scrapeInterval ?? Defaults.prometheus.scrapeInterval);
  const scrape = planScrape(ctx.provider, ctx.prefix, ctx.edge);
  const port = ctx.provider === "dev" ? ctx.dev.prometheusPort ?? Defaults.prometheus.port : Defaults.prometheus.port;
  const prometheusName = resourceName([ctx.prefix, "prometheus"]);
  const slos = planSlos(spec.alerts?.slo, ctx.routes);
  // The edge's /metrics bearer token: read from a file, never written into prometheus.yml.
  const tokenFile = ctx.metricsTokenSecret === undefined ? undefined : secretFilePath(ctx.provider, PrometheusFiles.secretsDir, ctx.metricsTokenSecret);
  const alertmanager = spec.alertmanager && spec.alertmanager.enabled !== false
    ? planAlertmanager(spec.alertmanager, {
      provider: ctx.provider,
      prefix: ctx.prefix,
      port: ctx.provider === "dev" ? ctx.dev.alertmanagerPort ?? Defaults.alertmanager.port : Defaults.alertmanager.port,
      image: ctx.images.alertmanager ?? Defaults.images.alertmanager,
      resourceName: resourceName([ctx.prefix, "alertmanager"]),
    })
    : undefined;
  const plan: PlannedMonitoring = {
    prometheus: {
      resourceName: prometheusName,
      image: ctx.images.prometheus ?? Defaults.images.prometheus,
      port,
      scrapeIntervalMs,
      retentionMs: ms(spec.prometheus?.retention ?? Defaults.prometheus.retention),
      scrapeTargets: scrape.targets,
      configYaml: prometheusConfigYaml({
        prefix: ctx.prefix,
        scrape,
        scrapeIntervalMs,
        ...(alertmanager ? { alertmanager: alertmanagerTarget(ctx.provider, ctx.prefix, alertmanager.resourceName, alertmanager.port) } : {}),
        ...(tokenFile !== undefined ? { metricsTokenFile: tokenFile } : {}),
      }),
      rulesYaml: alertRulesYaml({ prefix: ctx.prefix, thresholds: alertThresholds(spec.alerts), caches: ctx.caches, scrapeIntervalMs, slos }),
      secretFiles: tokenFile === undefined ? [] : [{ secret: ctx.metricsTokenSecret!, path: tokenFile }],
    },
  };
  if (alertmanager) plan.alertmanager = alertmanager;
  if (grafanaOn) {
    plan.grafana = {
      resourceName: resourceName([ctx.prefix, "grafana"]),
      image: ctx.images.grafana ?? Defaults.images.grafana,
      port: Defaults.grafana.port,
      adminPassword: spec.grafana!.adminPassword,
      datasourceYaml: datasourceYaml(prometheusUrl(ctx.provider, ctx.prefix, prometheusName, port)),
      dashboardProviderYaml: dashboardProviderYaml(),
      dashboardJson: dashboardJson({ prefix: ctx.prefix, hasCaches: ctx.caches.length > 0, slos }),
    };
  }
  return plan;
}

/** How Prometheus reaches Alertmanager: host:port, found by DNS (every A record) on AWS. */
function alertmanagerTarget(provider: Provider, prefix: string, containerName: string, port: number): AlertmanagerTarget {
  switch (provider) {
    case "docker":
      return { address: `${containerName}:${port}`, dns: false };
    case "aws":
      return { address: `${awsDiscoveryNames(prefix).alertmanager}:${port}`, dns: true };
    case "dev":
      return { address: `127.0.0.1:${port}`, dns: false };
  }
}

/** How Grafana (next to Prometheus) reaches Prometheus. */
function prometheusUrl(provider: Provider, prefix: string, containerName: string, port: number): string {
  switch (provider) {
    case "docker":
      return `http://${containerName}:${port}`;
    case "aws":
      return `http://${awsDiscoveryNames(prefix).prometheus}:${port}`;
    case "dev":
      return `http://127.0.0.1:${port}`;
  }
}

export { AlertmanagerFiles, awsDiscoveryNames, DATASOURCE_UID, EDGE_SCRAPE_JOB, GrafanaFiles, PrometheusFiles } from "./files.js";
export { dashboardExpressions } from "./grafana.js";
export { rateWindow } from "./rules.js";
