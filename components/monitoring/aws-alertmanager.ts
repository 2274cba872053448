/**
 * Alertmanager on AWS.
 *
 * Self-hosted monitoring: an ECS Fargate service next to Prometheus,
 * registered in Cloud Map (Prometheus finds it by DNS). The config writer
 * delivers alertmanager.yml; a second init container receives each secret
 * through ECS `secrets` (Secrets Manager, by ARN) and writes it to the file
 * the config names, so no secret is in the task definition.
 *
 * Managed monitoring: Amazon Managed Prometheus's alert manager definition
 * with the same routing tree, every receiver delivering to one SNS topic
 * (the only receiver AMP supports), with a `receiver` message attribute;
 * email and plain webhook receivers are subscribed to the topic.
 */
import * as pulumi from "@pulumi/pulumi";
import * as amp from "@pulumi/aws/amp/index.js";
import * as ec2 from "@pulumi/aws/ec2/index.js";
import * as ecs from "@pulumi/aws/ecs/index.js";
import * as servicediscovery from "@pulumi/aws/servicediscovery/index.js";
import * as sns from "@pulumi/aws/sns/index.js";
import { parse, stringify } from "yaml";
import { AlertmanagerFiles, awsDiscoveryNames } from "../../src/plan/monitoring/files.js";
import type { PlannedAlertmanager } from "../../src/plan/types.js";
import { awsLogs, configWriter, containerDefinitionsJson, secretFilesWriter, type EcsPlacement } from "../shared/ecs.js";
import { egressAnywhere, ingressFromGroup } from "../shared/network-rules.js";
import { awsTags, type Tags } from "../shared/tags.js";
import { monitoringService } from "./aws.js";
import { alertmanagerServerArgs } from "./docker-alertmanager.js";

export interface AwsAlertmanagerResources {
  readonly alertmanagerService: ecs.Service;
  readonly alertmanagerDiscovery: servicediscovery.Service;
}

export interface ManagedAlertResources {
  readonly topic: sns.Topic;
  readonly definition: amp.AlertManagerDefinition;
  readonly subscriptions: sns.TopicSubscription[];
}

export function awsAlertmanager(
  name: string,
  topology: string,
  am: PlannedAlertmanager,
  args: { placement: EcsPlacement; configWriterImage: pulumi.Input<string>; prometheusSecurityGroupId: pulumi.Input<string> },
  tags: Tags | undefined,
  parent: pulumi.Resource,
): AwsAlertmanagerResources {
  const child = { parent };
  const { placement } = args;
  const securityGroup = new ec2.SecurityGroup(`${name}-alertmanager-sg`, {
    vpcId: placement.vpcId,
    description: `alertmanager of ${topology}`,
    tags: awsTags(tags, `${name}-alertmanager-sg`),
  }, child);
  // Egress: PagerDuty, Slack, SMTP and webhooks are outside the VPC.
  egressAnywhere(`${name}-alertmanager-egress`, securityGroup.id, tags, child);
  ingressFromGroup(`${name}-prometheus-to-alertmanager`, { to: securityGroup.id, from: args.prometheusSecurityGroupId, port: am.port, description: "prometheus → alertmanager" }, tags, child);

  const alertmanagerDiscovery = new servicediscovery.Service(`${name}-alertmanager-discovery`, {
    name: awsDiscoveryNames(topology).alertmanagerService,
    description: "Alertmanager, for Prometheus",
    dnsConfig: { namespaceId: placement.namespaceId, dnsRecords: [{ type: "A", ttl: 10 }], routingPolicy: "MULTIVALUE" },
    healthCheckCustomConfig: {},
    forceDestroy: true,
    tags: awsTags(tags, `${name}-alertmanager-discovery`),
  }, child);

  const logs = awsLogs(placement, "alertmanager");
  const writer = configWriter(args.configWriterImage, { [AlertmanagerFiles.config]: am.configYaml }, logs);
  // Alertmanager's image runs as nobody (65534), which must read the files.
  const secrets = am.secretFiles.length > 0
    ? secretFilesWriter(args.configWriterImage, { volume: "alertmanager-secrets", dir: AlertmanagerFiles.secretsDir, files: am.secretFiles, owner: 65534 }, placement, logs)
    : undefined;
  const task = new ecs.TaskDefinition(`${name}-alertmanager-task`, {
    family: am.resourceName,
    cpu: "256",
    memory: "512",
    networkMode: "awsvpc",
    requiresCompatibilities: ["FARGATE"],
    runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" },
    executionRoleArn: placement.executionRoleArn,
    volumes: [...writer.volumes, ...(secrets ? [secrets.volume] : [])],
    containerDefinitions: containerDefinitionsJson([
      writer.container,
      ...(secrets ? [secrets.container] : []),
      {
        name: "alertmanager",
        image: am.image!,
        essential: true,
        command: alertmanagerServerArgs(am),
        portMappings: [{ containerPort: am.port, protocol: "tcp" }],
        dependsOn: [writer.dependency, ...(secrets ? [secrets.dependency] : [])],
        mountPoints: [...writer.readerMounts, ...(secrets ? [secrets.readerMount] : [])],
        logConfiguration: logs,
      },
    ]),
    tags: awsTags(tags, `${name}-alertmanager-task`),
  }, child);
  const alertmanagerService = monitoringService(`${name}-alertmanager`, am.resourceName, task, securityGroup, placement, { registryArn: alertmanagerDiscovery.arn }, tags, parent);
  return { alertmanagerService, alertmanagerDiscovery };
}

/** The generated alertmanager.yml with every receiver replaced by the SNS topic (AMP's only receiver type). */
export function snsAlertmanagerYaml(configYaml: string, topicArn: string, region: string): string {
  const doc = parse(configYaml) as { receivers: Array<{ name: string }> };
  doc.receivers = doc.receivers.map((r) => ({ name: r.name, sns_configs: [{ topic_arn: topicArn, sigv4: { region }, attributes: { receiver: r.name } }] }));
  return stringify(doc, { lineWidth: 0 });
}

export function managedAlerts(
  name: string,
  topology: string,
  am: PlannedAlertmanager,
  workspace: amp.Workspace,
  region: string,
  tags: Tags | undefined,
  parent: pulumi.Resource,
): ManagedAlertResources {
  const child = { parent };
  const topic = new sns.Topic(`${name}-alerts`, { name: `edgeform-${topology}-alerts`, tags: awsTags(tags, `${name}-alerts`) }, child);
  new sns.TopicPolicy(`${name}-alerts-policy`, {
    arn: topic.arn,
    policy: pulumi.jsonStringify({
      Version: "2012-10-17",
      Statement: [{
        Sid: "AmpPublishes",
        Effect: "Allow",
        Principal: { Service: "aps.amazonaws.com" },
        Action: ["sns:Publish", "sns:GetTopicAttributes"],
        Resource: topic.arn,
        Condition: { ArnEquals: { "aws:SourceArn": workspace.arn } },
      }],
    }),
  }, child);
  const definition = new amp.AlertManagerDefinition(`${name}-amp-alertmanager`, {
    workspaceId: workspace.id,
    definition: topic.arn.apply((arn) => `alertmanager_config: |\n${indent(snsAlertmanagerYaml(am.configYaml, arn, region))}`),
  }, child);
  const subscriptions: sns.TopicSubscription[] = [];
  for (const r of am.receivers) {
    if (r.email) {
      subscriptions.push(new sns.TopicSubscription(`${name}-alerts-${r.name}-email`, {
        topic: topic.arn,
        protocol: "email",
        endpoint: r.email,
        filterPolicy: JSON.stringify({ receiver: [r.name] }),
      }, child));
    }
    if (r.webhookUrl) {
      subscriptions.push(new sns.TopicSubscription(`${name}-alerts-${r.name}-webhook`, {
        topic: topic.arn,
        protocol: r.webhookUrl.startsWith("https:") ? "https" : "http",
        endpoint: r.webhookUrl,
        filterPolicy: JSON.stringify({ receiver: [r.name] }),
      }, child));
    }
  }
  return { topic, definition, subscriptions };
}

function indent(text: string): string {
  return text.trimEnd().split("\n").map((l) => `  ${l}`).join("\n") + "\n";
}
