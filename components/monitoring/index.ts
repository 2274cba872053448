/**
 * Monitoring: Prometheus scraping every edge replica's admin port with the
 * generated alert rules, and Grafana with a provisioned datasource and
 * dashboard. Docker: two containers. AWS: the same on ECS, or Amazon Managed
 * Prometheus / Managed Grafana. Grafana's admin password comes only from
 * Pulumi secrets; there is no default.
 */
import * as pulumi from "@pulumi/pulumi";
import type * as docker from "@pulumi/docker";
import { awsDiscoveryNames } from "../../src/plan/monitoring/files.js";
import type { PlannedMonitoring } from "../../src/plan/types.js";
import { argsError, oneProvider } from "../shared/args.js";
import type { Tags } from "../shared/tags.js";
import { awsAlertmanager, managedAlerts, type AwsAlertmanagerResources, type ManagedAlertResources } from "./aws-alertmanager.js";
import { awsManagedMonitoring, type ManagedMonitoringResources } from "./aws-managed.js";
import { awsSelfHostedMonitoring, type AwsMonitoringArgs, type AwsMonitoringResources } from "./aws.js";
import { dockerAlertmanager } from "./docker-alertmanager.js";
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
  /** Alertmanager's credentials by secret name (Docker), e.g. from `config.requireSecret`. On AWS they are read by ARN from placement.secretArns. */
  readonly alertmanagerSecrets?: Readonly<Record<string, pulumi.Input<string>>>;
  /** Docker: the secrets Prometheus reads from files (plan.monitoring.prometheus.secretFiles: the edge's /metrics token). */
  readonly prometheusSecrets?: Readonly<Record<string, pulumi.Input<string>>>;
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
  /** Undefined when the spec has no `monitoring.alertmanager`. */
  readonly alertmanagerUrl: pulumi.Output<string> | undefined;
  readonly alertmanager: { docker?: docker.Container; aws?: AwsAlertmanagerResources; managed?: ManagedAlertResources } | undefined;

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
    const am = monitoring.alertmanager;
    // Managed monitoring delivers through SNS and reads no credentials.
    const given = (secret: string) => (where.docker ? args.alertmanagerSecrets?.[secret] !== undefined : where.aws!.managed || where.aws!.placement.secretArns[secret] !== undefined);
    const missingAlertSecrets = (am?.secretFiles ?? []).map((f) => f.secret).filter((secret) => !given(secret));
    if (missingAlertSecrets.length > 0) {
      throw argsError("Monitoring", name, `Alertmanager needs the secret${missingAlertSecrets.length > 1 ? "s" : ""} ${missingAlertSecrets.map((s) => `"${s}"`).join(", ")} for its receivers`,
        where.docker ? missingAlertSecrets.map((s) => `pulumi config set --secret ${s} <value>`).join("; ") : "add them to placement.secretArns");
    }
    const scrapeSecretGiven = (secret: string) => (where.docker ? args.prometheusSecrets?.[secret] !== undefined : where.aws!.placement.secretArns[secret] !== undefined);
    const missingScrapeSecrets = monitoring.prometheus.secretFiles.map((f) => f.secret).filter((s) => !scrapeSecretGiven(s));
    if (missingScrapeSecrets.length > 0) {
      throw argsError("Monitoring", name, `Prometheus needs the secret ${missingScrapeSecrets.map((s) => `"${s}"`).join(", ")} to scrape the edge's /metrics (edge.admin.metricsToken)`,
        where.docker ? missingScrapeSecrets.map((s) => `pulumi config set --secret ${s} <value>`).join("; ") : "add it to placement.secretArns");
    }
    if (where.aws?.managed && where.aws.publishGrafanaOn) {
      throw argsError("Monitoring", name, "Managed Grafana has its own endpoint; publishGrafanaOn applies to self-hosted Grafana only");
    }

    this.docker = undefined;
    this.aws = undefined;
    this.managed = undefined;
    this.alertmanager = undefined;
    this.alertmanagerUrl = undefined;
    if (where.docker) {
      const d = dockerMonitoring(name, monitoring, where.docker, { grafanaAdminPassword: args.grafanaAdminPassword, prometheusSecrets: args.prometheusSecrets ?? {} }, args.tags, this);
      this.docker = { prometheus: d.prometheus, prometheusData: d.prometheusData, grafana: d.grafana };
      this.prometheusUrl = pulumi.output(d.prometheusUrl);
      this.grafanaUrl = d.grafanaUrl === undefined ? undefined : pulumi.output(d.grafanaUrl);
      if (am) {
        const a = dockerAlertmanager(name, am, where.docker, args.alertmanagerSecrets ?? {}, args.tags, this);
        this.alertmanager = { docker: a.container };
        this.alertmanagerUrl = pulumi.output(a.url);
      }
    } else if (where.aws!.managed) {
      const { prometheusUrl, grafanaUrl, ...resources } = awsManagedMonitoring(name, args.topology, monitoring, args.edgeAdminPort, where.aws!, args.tags, this);
      this.managed = resources;
      this.prometheusUrl = prometheusUrl;
      this.grafanaUrl = grafanaUrl;
      if (am) this.alertmanager = { managed: managedAlerts(name, args.topology, am, resources.workspace, where.aws!.placement.region, args.tags, this) };
    } else {
      const { prometheusUrl, grafanaUrl, ...resources } = awsSelfHostedMonitoring(name, args.topology, monitoring, args.edgeAdminPort, where.aws!, args.tags, this);
      this.aws = resources;
      this.prometheusUrl = prometheusUrl;
      this.grafanaUrl = grafanaUrl;
      if (am) {
        this.alertmanager = { aws: awsAlertmanager(name, args.topology, am, { ...where.aws!, prometheusSecurityGroupId: resources.prometheusSecurityGroup.id }, args.tags, this) };
        this.alertmanagerUrl = pulumi.output(`http://${awsDiscoveryNames(args.topology).alertmanager}:${am.port}`);
      }
    }
    this.registerOutputs({ prometheusUrl: this.prometheusUrl, grafanaUrl: this.grafanaUrl, alertmanagerUrl: this.alertmanagerUrl });
  }
}

export type { AwsMonitoringArgs, AwsMonitoringResources, DockerMonitoringArgs, DockerMonitoringResources, ManagedMonitoringResources };
export type { AwsAlertmanagerResources, ManagedAlertResources };
export type { GrafanaPublishing } from "./aws.js";
