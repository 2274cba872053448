/**
 * Monitoring on Docker: a Prometheus container with the generated config and
 * alert rules uploaded, and a Grafana container with the provisioned
 * datasource and dashboard. Both publish their UI on 127.0.0.1 only.
 */
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import { GrafanaFiles, PrometheusFiles } from "../../src/plan/monitoring/files.js";
import type { PlannedMonitoring } from "../../src/plan/types.js";
import { dockerEnv } from "../shared/secrets.js";
import { dockerLabels, type Tags } from "../shared/tags.js";
import { prometheusServerArgs } from "./prometheus-args.js";

export interface DockerMonitoringArgs {
  readonly network: pulumi.Input<string>;
}

export interface DockerMonitoringResources {
  readonly prometheus: docker.Container;
  readonly grafana: docker.Container | undefined;
}

export function dockerMonitoring(
  name: string,
  monitoring: PlannedMonitoring,
  args: DockerMonitoringArgs,
  grafanaAdminPassword: pulumi.Input<string> | undefined,
  tags: Tags | undefined,
  parent: pulumi.Resource,
): DockerMonitoringResources & { prometheusUrl: string; grafanaUrl: string | undefined } {
  const p = monitoring.prometheus!;
  const promImage = new docker.RemoteImage(`${name}-prometheus-image`, { name: p.image!, keepLocally: true }, { parent });
  const prometheus = new docker.Container(`${name}-prometheus`, {
    name: p.resourceName,
    image: promImage.imageId,
    command: prometheusServerArgs(p),
    uploads: [
      { file: PrometheusFiles.config, content: p.configYaml },
      { file: PrometheusFiles.rules, content: p.rulesYaml },
    ],
    // Loopback only: Prometheus has no authentication.
    ports: [{ internal: p.port, external: p.port, ip: "127.0.0.1", protocol: "tcp" }],
    networksAdvanced: [{ name: args.network, aliases: [p.resourceName] }],
    restart: "unless-stopped",
    labels: dockerLabels(tags, { "edgeform.role": "prometheus" }),
  }, { parent });

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
        { GF_SECURITY_ADMIN_PASSWORD: grafanaAdminPassword! },
      ),
      uploads: [
        { file: GrafanaFiles.datasource, content: g.datasourceYaml },
        { file: GrafanaFiles.dashboardProvider, content: g.dashboardProviderYaml },
        { file: GrafanaFiles.dashboard, content: g.dashboardJson },
      ],
      ports: [{ internal: g.port, external: g.port, ip: "127.0.0.1", protocol: "tcp" }],
      networksAdvanced: [{ name: args.network, aliases: [g.resourceName] }],
      restart: "unless-stopped",
      labels: dockerLabels(tags, { "edgeform.role": "grafana" }),
    }, { parent, dependsOn: [prometheus] });
    grafanaUrl = `http://localhost:${g.port}`;
  }
  return { prometheus, grafana, prometheusUrl: `http://localhost:${p.port}`, grafanaUrl };
}
