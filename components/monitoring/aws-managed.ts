/**
 * Managed monitoring on AWS (`managedMonitoring: true`): an Amazon Managed
 * Prometheus workspace holding the generated alert rules, a Prometheus agent
 * on ECS that scrapes every edge task and remote-writes to the workspace
 * (SigV4, task role), and an Amazon Managed Grafana workspace that reads it.
 * Managed Grafana has no file provisioning: the generated dashboard is an
 * output to import; sign-in is through IAM Identity Center, not a password.
 */
import * as pulumi from "@pulumi/pulumi";
import * as amp from "@pulumi/aws/amp/index.js";
import * as ec2 from "@pulumi/aws/ec2/index.js";
import * as ecs from "@pulumi/aws/ecs/index.js";
import * as grafana from "@pulumi/aws/grafana/index.js";
import * as iam from "@pulumi/aws/iam/index.js";
import { PrometheusFiles } from "../../src/plan/monitoring/files.js";
import type { PlannedMonitoring } from "../../src/plan/types.js";
import { assumeRolePolicy } from "../shared/iam.js";
import { egressAnywhere, ingressFromGroup } from "../shared/network-rules.js";
import { awsTags, type Tags } from "../shared/tags.js";
import { monitoringService, monitoringTask, prometheusSecretFiles, type AwsMonitoringArgs } from "./aws.js";
import { agentConfigYaml, prometheusAgentArgs } from "./prometheus-args.js";

export interface ManagedMonitoringResources {
  readonly workspace: amp.Workspace;
  readonly rules: amp.RuleGroupNamespace;
  readonly agentRole: iam.Role;
  readonly agentService: ecs.Service;
  readonly grafanaWorkspace: grafana.Workspace | undefined;
}


export function awsManagedMonitoring(
  name: string,
  topology: string,
  monitoring: PlannedMonitoring,
  edgeAdminPort: number,
  args: AwsMonitoringArgs,
  tags: Tags | undefined,
  parent: pulumi.Resource,
): ManagedMonitoringResources & { prometheusUrl: pulumi.Output<string>; grafanaUrl: pulumi.Output<string> | undefined } {
  const child = { parent };
  const p = monitoring.prometheus!;
  const { placement } = args;

  const names = args.names ?? { managedPrometheus: `edgeform-${topology}`, managedGrafana: `edgeform-${topology}` };
  const workspace = new amp.Workspace(`${name}-amp`, { alias: names.managedPrometheus, tags: awsTags(tags, `${name}-amp`) }, child);
  const rules = new amp.RuleGroupNamespace(`${name}-amp-rules`, {
    workspaceId: workspace.id,
    name: names.managedPrometheus,
    data: p.rulesYaml,
    tags: awsTags(tags, `${name}-amp-rules`),
  }, child);

  const agentRole = new iam.Role(`${name}-agent-role`, {
    description: `Prometheus agent of ${topology}: remote-write to its AMP workspace`,
    assumeRolePolicy: assumeRolePolicy("ecs-tasks.amazonaws.com", placement.accountId),
    tags: awsTags(tags, `${name}-agent-role`),
  }, child);
  new iam.RolePolicy(`${name}-agent-write`, {
    role: agentRole.name,
    policy: pulumi.jsonStringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: ["aps:RemoteWrite"], Resource: workspace.arn }],
    }),
  }, child);

  const agentSecurityGroup = new ec2.SecurityGroup(`${name}-agent-sg`, {
    vpcId: placement.vpcId,
    description: `prometheus agent of ${topology}`,
    tags: awsTags(tags, `${name}-agent-sg`),
  }, child);
  egressAnywhere(`${name}-agent-egress`, agentSecurityGroup.id, tags, child);
  ingressFromGroup(`${name}-scrape-edge`, { to: args.edgeSecurityGroupId, from: agentSecurityGroup.id, port: edgeAdminPort, description: "prometheus agent → edge admin (/metrics)" }, tags, child);

  const remoteWrite = pulumi.interpolate`${workspace.prometheusEndpoint}api/v1/remote_write`;
  const agentTask = monitoringTask(`${name}-agent`, {
    family: p.resourceName,
    cpu: 256,
    memoryMiB: 512,
    container: { name: "prometheus", image: p.image!, port: p.port, command: prometheusAgentArgs(p) },
    files: { [PrometheusFiles.config]: remoteWrite.apply((url) => agentConfigYaml(p.configYaml, url, placement.region)) },
    secretFiles: prometheusSecretFiles(p),
    taskRoleArn: agentRole.arn,
  }, args, tags, parent);
  const agentService = monitoringService(`${name}-agent`, p.resourceName, agentTask, agentSecurityGroup, placement, { dependsOn: args.serviceDependsOn ?? [] }, tags, parent);

  let grafanaWorkspace: grafana.Workspace | undefined;
  if (monitoring.grafana) {
    const grafanaRole = new iam.Role(`${name}-grafana-role`, {
      description: `Managed Grafana of ${topology}: query its AMP workspace`,
      assumeRolePolicy: assumeRolePolicy("grafana.amazonaws.com", placement.accountId),
      tags: awsTags(tags, `${name}-grafana-role`),
    }, child);
    new iam.RolePolicyAttachment(`${name}-grafana-query`, {
      role: grafanaRole.name,
      policyArn: "arn:aws:iam::aws:policy/AmazonPrometheusQueryAccess",
    }, child);
    grafanaWorkspace = new grafana.Workspace(`${name}-grafana`, {
      name: names.managedGrafana,
      description: `edgeform topology ${topology}`,
      accountAccessType: "CURRENT_ACCOUNT",
      // A spec choice (managedGrafana.authentication); validation says what each needs.
      authenticationProviders: [args.managedGrafanaAuthentication ?? "AWS_SSO"],
      permissionType: "SERVICE_MANAGED",
      dataSources: ["PROMETHEUS"],
      roleArn: grafanaRole.arn,
      tags: awsTags(tags, `${name}-grafana`),
    }, child);
  }
  return {
    workspace,
    rules,
    agentRole,
    agentService,
    grafanaWorkspace,
    prometheusUrl: workspace.prometheusEndpoint,
    grafanaUrl: grafanaWorkspace ? pulumi.interpolate`https://${grafanaWorkspace.endpoint}` : undefined,
  };
}
