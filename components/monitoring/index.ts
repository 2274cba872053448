/**
 * Monitoring: Prometheus scraping every edge replica's admin port with the
 * generated alert rules, and Grafana with a provisioned datasource and
 * dashboard. Docker: two containers. AWS: the same on ECS, or Amazon Managed
 * Prometheus / Managed Grafana. Grafana's admin password comes only from
 * Pulumi secrets; there is no default.
 */
import * as pulumi from "@pulumi/pulumi";
import type { PlannedMonitoring } from "../../src/plan/types.js";
import { argsError, oneProvider } from "../shared/args.js";
import type { Tags } from "../shared/tags.js";
import { awsManagedMonitoring, type ManagedMonitoringResources } from "./aws-managed.js";
import { awsSelfHostedMonitoring, type AwsMonitoringArgs, type AwsMonitoringResources } from "./aws.js";
import { dockerMonitoring, type DockerMonitoringArgs, type DockerMonitoringResources } from "./docker.js";

export interface MonitoringArgs {
  /** plan.monitoring: generated prometheus.yml, rules and Grafana provisioning. */
  readonly monitoring: PlannedMonitoring;
  /** Topology name (plan.name). */
  readonly topology: string;
  /** The edge's admin port (plan.edge.adminPort), which Prometheus scrapes. */
  readonly edgeAdminPort: number;
  /**
   * Grafana's admin password (Docker), e.g. `config.requireSecret("grafanaAdminPassword")`.
   * On AWS the password is read by ARN from placement.secretArns.
   */
  readonly grafanaAdminPassword?: pulumi.Input<string>;
  readonly tags?: Tags;
  readonly docker?: DockerMonitoringArgs;
  readonly aws?: AwsMonitoringArgs;
}

export class Monitoring extends pulumi.ComponentResource {
  readonly prometheusUrl: pulumi.Output<string>;
  /** Undefined when the spec has no Grafana. */
  readonly grafanaUrl: pulumi.Output<string> | undefined;
  readonly docker: DockerMonitoringResources | undefined;
  readonly aws: AwsMonitoringResources | undefined;
  readonly managed: ManagedMonitoringResources | undefined;

  constructor(name: string, args: MonitoringArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("edgeform:components:Monitoring", name, {}, opts);
    const where = oneProvider("Monitoring", name, args);
    const { monitoring } = args;
    if (monitoring.prometheus === undefined) {
      throw argsError("Monitoring", name, "the plan has no Prometheus (the spec has no `monitoring` section, or disables it), so there is nothing to provision");
    }
    const g = monitoring.grafana;
    if (g && where.docker && args.grafanaAdminPassword === undefined) {
      throw argsError("Monitoring", name, `Grafana needs an admin password from Pulumi secrets (secret "${g.adminPassword.secret}"); there is no default`,
        `pulumi config set --secret ${g.adminPassword.secret} <password>`);
    }
    if (g && where.aws && !where.aws.managed && where.aws.placement.secretArns[g.adminPassword.secret] === undefined) {
      throw argsError("Monitoring", name, `Grafana needs its admin password secret "${g.adminPassword.secret}" in placement.secretArns; there is no default`);
    }
    if (where.aws?.managed && where.aws.publishGrafanaOn) {
      throw argsError("Monitoring", name, "Managed Grafana has its own endpoint; publishGrafanaOn applies to self-hosted Grafana only");
    }

    this.docker = undefined;
    this.aws = undefined;
    this.managed = undefined;
    if (where.docker) {
      const d = dockerMonitoring(name, monitoring, where.docker, args.grafanaAdminPassword, args.tags, this);
      this.docker = { prometheus: d.prometheus, prometheusData: d.prometheusData, grafana: d.grafana };
      this.prometheusUrl = pulumi.output(d.prometheusUrl);
      this.grafanaUrl = d.grafanaUrl === undefined ? undefined : pulumi.output(d.grafanaUrl);
    } else if (where.aws!.managed) {
      const { prometheusUrl, grafanaUrl, ...resources } = awsManagedMonitoring(name, args.topology, monitoring, args.edgeAdminPort, where.aws!, args.tags, this);
      this.managed = resources;
      this.prometheusUrl = prometheusUrl;
      this.grafanaUrl = grafanaUrl;
    } else {
      const { prometheusUrl, grafanaUrl, ...resources } = awsSelfHostedMonitoring(name, args.topology, monitoring, args.edgeAdminPort, where.aws!, args.tags, this);
      this.aws = resources;
      this.prometheusUrl = prometheusUrl;
      this.grafanaUrl = grafanaUrl;
    }
    this.registerOutputs({ prometheusUrl: this.prometheusUrl, grafanaUrl: this.grafanaUrl });
  }
}

export type { AwsMonitoringArgs, AwsMonitoringResources, DockerMonitoringArgs, DockerMonitoringResources, ManagedMonitoringResources };
export type { GrafanaPublishing } from "./aws.js";
