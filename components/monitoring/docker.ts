/**
 * Monitoring on Docker: a Prometheus container with the generated config and
 * alert rules uploaded and its TSDB in a named volume (kept when the
 * container is replaced), and a Grafana container with the provisioned
 * datasource and dashboard. Both publish their UI on 127.0.0.1 only, and
 * both have health checks, so `up` returns when they answer.
 */
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import { GrafanaFiles, PrometheusFiles } from "../../src/plan/monitoring/files.js";
import type { PlannedMonitoring } from "../../src/plan/types.js";
import { commonContainerArgs, fixedNameOptions } from "../shared/docker-container.js";
import { dockerEnv, secretOutput } from "../shared/secrets.js";
import { dockerLabels, type Tags } from "../shared/tags.js";
import { prometheusServerArgs } from "./prometheus-args.js";

export interface DockerMonitoringArgs {
  readonly network: pulumi.Input<string>;
  /** How long `up` waits for Prometheus and Grafana to turn healthy (default 120 s). */
  readonly waitTimeoutSeconds?: number;
}

export interface DockerMonitoringResources {
  readonly prometheus: docker.Container;
  /** Prometheus's TSDB: outlives container replacements. */
  readonly prometheusData: docker.Volume;
  readonly grafana: docker.Container | undefined;
}

/** Prometheus is ready when it answers a query; promtool ships in the Prometheus image (which has no shell tools to rely on). */
export function prometheusHealthTest(port: number): string[] {
  return ["CMD", "promtool", "query", "instant", `http://127.0.0.1:${port}`, "vector(1)"];
}

/** Grafana's /api/health, with whichever of wget and curl the image has. */
export function grafanaHealthTest(port: number): string[] {
  const url = `http://127.0.0.1:${port}/api/health`;
  return ["CMD-SHELL", `wget -q -O /dev/null ${url} || curl -fsS -o /dev/null ${url}`];
}

export function dockerMonitoring(
  name: string,
  monitoring: PlannedMonitoring,
  args: DockerMonitoringArgs,
  secrets: { grafanaAdminPassword: pulumi.Input<string> | undefined; prometheusSecrets: Readonly<Record<string, pulumi.Input<string>>> },
  tags: Tags | undefined,
  parent: pulumi.Resource,
): DockerMonitoringResources & { prometheusUrl: string; grafanaUrl: string | undefined } {
  const p = monitoring.prometheus!;
  const waitTimeout = args.waitTimeoutSeconds ?? 120;
  const promImage = new docker.RemoteImage(`${name}-prometheus-image`, { name: p.image!, keepLocally: true }, { parent });
  const prometheusData = new docker.Volume(`${name}-prometheus-data`, {
    name: `${p.resourceName}-data`,
    labels: dockerLabels(tags, { "edgeform.role": "prometheus" }),
  }, { parent });
  const prometheus = new docker.Container(`${name}-prometheus`, {
    name: p.resourceName,
    image: promImage.imageId,
    command: prometheusServerArgs(p),
    uploads: [
      { file: PrometheusFiles.config, content: p.configYaml },
      { file: PrometheusFiles.rules, content: p.rulesYaml },
      // The edge's /metrics token, as a secret file the scrape config names (never in prometheus.yml).
      ...p.secretFiles.map(({ secret, path }) => ({ file: path, content: secretOutput(secrets.prometheusSecrets[secret]!) })),
    ],
    mounts: [{ type: "volume", source: prometheusData.name, target: PrometheusFiles.dataDir }],
    // Loopback only: Prometheus has no authentication.
    ports: [{ internal: p.port, external: p.port, ip: "127.0.0.1", protocol: "tcp" }],
    networksAdvanced: [{ name: args.network, aliases: [p.resourceName] }],
    healthcheck: { tests: prometheusHealthTest(p.port), interval: "2s", timeout: "2s", retries: 5, startPeriod: "10s" },
    ...commonContainerArgs(waitTimeout),
    labels: dockerLabels(tags, { "edgeform.role": "prometheus" }),
  }, fixedNameOptions(parent));

  let grafana: docker.Container | undefined;
  let grafanaUrl: string | undefined;
  const g = monitoring.grafana;
  if (g) {
    const grafanaImage = new docker.RemoteImage(`${name}-grafana-image`, { name: g.image!, keepLocally: true }, { parent });
    grafana = new docker.Container(`${name}-grafana`, {
      name: g.resourceName,
      image: grafanaImage.imageId,
      envs: dockerEnv(
        { GF_SECURITY_ADMIN_USER: "admin", GF_USERS_ALLOW_SIGN_UP: "false", GF_AUTH_ANONYMOUS_ENABLED: "false", GF_ANALYTICS_REPORTING_ENABLED: "false" },
        { GF_SECURITY_ADMIN_PASSWORD: secrets.grafanaAdminPassword! },
      ),
      uploads: [
        { file: GrafanaFiles.datasource, content: g.datasourceYaml },
        { file: GrafanaFiles.dashboardProvider, content: g.dashboardProviderYaml },
        { file: GrafanaFiles.dashboard, content: g.dashboardJson },
      ],
      ports: [{ internal: g.port, external: g.port, ip: "127.0.0.1", protocol: "tcp" }],
      networksAdvanced: [{ name: args.network, aliases: [g.resourceName] }],
      healthcheck: { tests: grafanaHealthTest(g.port), interval: "5s", timeout: "3s", retries: 5, startPeriod: "20s" },
      ...commonContainerArgs(waitTimeout),
      labels: dockerLabels(tags, { "edgeform.role": "grafana" }),
    }, fixedNameOptions(parent, undefined, [prometheus]));
    grafanaUrl = `http://localhost:${g.port}`;
  }
  return { prometheus, prometheusData, grafana, prometheusUrl: `http://localhost:${p.port}`, grafanaUrl };
}
