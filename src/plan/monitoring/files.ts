/**
 * Where the generated monitoring files live inside the Prometheus and Grafana
 * containers, and the DNS names monitoring uses on AWS. The generated files
 * refer to each other by these paths, and the components upload to them, so
 * they are decided once, here.
 */
import type { Provider } from "../types.js";

/**
 * Where a service reads the secret `name` from a file: under its container's
 * secrets directory, or relative to its config (its working directory) in dev.
 */
export function secretFilePath(provider: Provider, secretsDir: string, name: string): string {
  return provider === "dev" ? `secrets/${name}` : `${secretsDir}/${name}`;
}

export const PrometheusFiles = {
  dir: "/etc/prometheus",
  config: "/etc/prometheus/prometheus.yml",
  /** Relative to the config file, so `promtool check config` finds it next to prometheus.yml. */
  rulesName: "edgeform.rules.yml",
  rules: "/etc/prometheus/edgeform.rules.yml",
  dataDir: "/prometheus",
  /** One file per secret the config reads (the edge's /metrics token), filled from the target's secret store. */
  secretsDir: "/etc/prometheus/secrets",
} as const;

export const AlertmanagerFiles = {
  config: "/etc/alertmanager/alertmanager.yml",
  /** One file per secret the config reads (`*_file` settings), filled from the target's secret store. */
  secretsDir: "/etc/alertmanager/secrets",
  dataDir: "/alertmanager",
} as const;

export const GrafanaFiles = {
  datasource: "/etc/grafana/provisioning/datasources/edgeform.yaml",
  dashboardProvider: "/etc/grafana/provisioning/dashboards/edgeform.yaml",
  dashboardDir: "/var/lib/grafana/dashboards",
  dashboard: "/var/lib/grafana/dashboards/edgeform.json",
} as const;

/** Prometheus job that scrapes every edge replica's admin port. */
export const EDGE_SCRAPE_JOB = "edgeform-edge";

/** Grafana datasource uid the generated dashboard points at. */
export const DATASOURCE_UID = "edgeform-prometheus";

/**
 * AWS Cloud Map names: fleets are `<fleet>.<topology>.local` (see plan.ts);
 * the edge tier, Prometheus, Grafana and Alertmanager get `edgeform-`-prefixed names so they cannot
 * clash with a fleet's name.
 */
export function awsDiscoveryNames(topology: string) {
  const namespace = `${topology}.local`;
  return {
    namespace,
    edgeService: "edgeform-edge",
    edge: `edgeform-edge.${namespace}`,
    prometheusService: "edgeform-prometheus",
    prometheus: `edgeform-prometheus.${namespace}`,
    grafanaService: "edgeform-grafana",
    grafana: `edgeform-grafana.${namespace}`,
    alertmanagerService: "edgeform-alertmanager",
    alertmanager: `edgeform-alertmanager.${namespace}`,
  } as const;
}
