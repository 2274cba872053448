/**
 * Monitoring on AWS, self-hosted: Prometheus and Grafana as ECS Fargate
 * services in the private subnets. Prometheus finds every edge task through
 * the edge's Cloud Map name and is itself registered in Cloud Map, which is
 * how Grafana's datasource reaches it. Grafana is private (inside the VPC, by
 * its Cloud Map name) unless the target asks for public access: then it is
 * published on the edge's ALB over HTTPS (port 3000), to the allowed networks
 * only. Prometheus always stays inside the VPC.
 */
import * as pulumi from "@pulumi/pulumi";
import * as ec2 from "@pulumi/aws/ec2/index.js";
import * as ecs from "@pulumi/aws/ecs/index.js";
import * as lb from "@pulumi/aws/lb/index.js";
import * as servicediscovery from "@pulumi/aws/servicediscovery/index.js";
import { awsDiscoveryNames, GrafanaFiles, PrometheusFiles } from "../../src/plan/monitoring/files.js";
import { TLS_POLICY } from "../edge-proxy/aws-lb.js";
import type { PlannedMonitoring } from "../../src/plan/types.js";
import { awsLogs, configWriter, containerDefinitionsJson, secretFilesWriter, type EcsPlacement } from "../shared/ecs.js";
import { egressAnywhere, ingressFromGroup, publicIngress } from "../shared/network-rules.js";
import { awsTags, type Tags } from "../shared/tags.js";
import { prometheusStorage, type PrometheusStorage } from "./aws-prometheus-storage.js";
import { prometheusServerArgs } from "./prometheus-args.js";

/** An ALB to publish Grafana on (EdgeProxy's), with its security group: HTTPS, to the allowed networks only. */
export interface GrafanaPublishing {
  readonly loadBalancerArn: pulumi.Input<string>;
  readonly securityGroupId: pulumi.Input<string>;
  readonly dnsName: pulumi.Input<string>;
  /** ACM certificate of the HTTPS listener (the target's loadBalancer.certificateArn). */
  readonly certificateArn: pulumi.Input<string>;
  /** Networks (CIDRs) allowed to reach Grafana. */
  readonly allowedCidrs: readonly string[];
  /** Target group name (plan.aws.grafanaTargetGroup). */
  readonly targetGroupName: string;
}

export interface AwsMonitoringArgs {
  readonly placement: EcsPlacement;
  readonly edgeSecurityGroupId: pulumi.Input<string>;
  /** An image with node (EdgeProxy.imageRef) for the init container that writes the generated files. */
  readonly configWriterImage: pulumi.Input<string>;
  /** Amazon Managed Prometheus + Managed Grafana instead of containers (the target's managedMonitoring). */
  readonly managed?: boolean;
  /** Publish Grafana on this ALB (self-hosted only). */
  readonly publishGrafanaOn?: GrafanaPublishing;
  /** Managed workspace names (plan.aws). */
  readonly names?: { readonly managedPrometheus: string; readonly managedGrafana: string };
  /** Resources the tasks need first (AwsFoundation.taskPrerequisites): services depend on them. */
  readonly serviceDependsOn?: pulumi.Resource[];
  /**
   * Private subnets for the Prometheus data's EFS mount targets (AwsFoundation.privateSubnetList).
   * Without them (a subnet list only known after deployment) the data lives in the task.
   */
  readonly dataSubnetIds?: readonly pulumi.Input<string>[];
  /** How users sign in to Managed Grafana (the target's managedGrafana.authentication; default AWS_SSO). */
  readonly managedGrafanaAuthentication?: "AWS_SSO" | "SAML";
}

export interface AwsMonitoringResources {
  readonly prometheusSecurityGroup: ec2.SecurityGroup;
  readonly prometheusService: ecs.Service;
  readonly prometheusStorage: PrometheusStorage | undefined;
  readonly prometheusDiscovery: servicediscovery.Service;
  readonly grafanaService: ecs.Service | undefined;
  readonly grafanaTargetGroup: lb.TargetGroup | undefined;
}

/** The edge's /metrics token for Prometheus (and its agent), as files; Prometheus's image runs as nobody (65534). */
export function prometheusSecretFiles(p: NonNullable<PlannedMonitoring["prometheus"]>) {
  return { dir: PrometheusFiles.secretsDir, files: p.secretFiles, owner: 65534 };
}

/** A monitoring task: config writer + one container, registered in Cloud Map when `discoveryName` is set. */
export function monitoringTask(
  name: string,
  spec: {
    family: string;
    cpu: number;
    memoryMiB: number;
    container: { name: string; image: pulumi.Input<string>; port: number; command?: string[]; environment?: Array<{ name: string; value: pulumi.Input<string> }>; secrets?: Array<{ name: string; valueFrom: pulumi.Input<string> }> };
    files: Record<string, pulumi.Input<string>>;
    /** Secrets the container reads from files (Prometheus: the edge's /metrics token), written by an init container. */
    secretFiles?: { dir: string; files: ReadonlyArray<{ secret: string; path: string }>; owner: number };
    taskRoleArn?: pulumi.Input<string>;
    /** A persistent volume for the container (Prometheus data on EFS). */
    dataVolume?: Pick<PrometheusStorage, "volume" | "mountPoint">;
  },
  args: { placement: EcsPlacement; configWriterImage: pulumi.Input<string> },
  tags: Tags | undefined,
  parent: pulumi.Resource,
): ecs.TaskDefinition {
  const logs = awsLogs(args.placement, spec.container.name);
  const writer = configWriter(args.configWriterImage, spec.files, logs);
  const secrets = spec.secretFiles && spec.secretFiles.files.length > 0
    ? secretFilesWriter(args.configWriterImage, { volume: "secrets", ...spec.secretFiles }, args.placement, logs)
    : undefined;
  const c = spec.container;
  return new ecs.TaskDefinition(`${name}-task`, {
    family: spec.family,
    cpu: String(spec.cpu),
    memory: String(spec.memoryMiB),
    networkMode: "awsvpc",
    requiresCompatibilities: ["FARGATE"],
    runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" },
    executionRoleArn: args.placement.executionRoleArn,
    ...(spec.taskRoleArn ? { taskRoleArn: spec.taskRoleArn } : {}),
    volumes: [...writer.volumes, ...(secrets ? [secrets.volume] : []), ...(spec.dataVolume ? [spec.dataVolume.volume] : [])],
    containerDefinitions: containerDefinitionsJson([
      writer.container,
      ...(secrets ? [secrets.container] : []),
      {
        name: c.name,
        image: c.image,
        essential: true,
        ...(c.command ? { command: c.command } : {}),
        ...(c.environment ? { environment: c.environment } : {}),
        ...(c.secrets ? { secrets: c.secrets } : {}),
        portMappings: [{ containerPort: c.port, protocol: "tcp" }],
        dependsOn: [writer.dependency, ...(secrets ? [secrets.dependency] : [])],
        mountPoints: [...writer.readerMounts, ...(secrets ? [secrets.readerMount] : []), ...(spec.dataVolume ? [spec.dataVolume.mountPoint] : [])],
        logConfiguration: logs,
      },
    ]),
    tags: awsTags(tags, `${name}-task`),
  }, { parent });
}

export function monitoringService(
  name: string,
  serviceName: string,
  task: ecs.TaskDefinition,
  securityGroup: ec2.SecurityGroup,
  placement: EcsPlacement,
  extra: { registryArn?: pulumi.Input<string>; loadBalancer?: { targetGroupArn: pulumi.Input<string>; containerName: string; containerPort: number }; dependsOn?: pulumi.Resource[] },
  tags: Tags | undefined,
  parent: pulumi.Resource,
): ecs.Service {
  return new ecs.Service(`${name}-service`, {
    name: serviceName,
    cluster: placement.clusterArn,
    taskDefinition: task.arn,
    desiredCount: 1,
    launchType: "FARGATE",
    networkConfiguration: { subnets: placement.privateSubnetIds, securityGroups: [securityGroup.id], assignPublicIp: false },
    ...(extra.registryArn ? { serviceRegistries: { registryArn: extra.registryArn } } : {}),
    ...(extra.loadBalancer ? { loadBalancers: [extra.loadBalancer], healthCheckGracePeriodSeconds: 60 } : {}),
    // `up` fails when tasks crash-loop instead of reporting success.
    waitForSteadyState: true,
    propagateTags: "SERVICE",
    tags: awsTags(tags, `${name}-service`),
  }, { parent, dependsOn: extra.dependsOn ?? [] });
}

export function awsSelfHostedMonitoring(
  name: string,
  topology: string,
  monitoring: PlannedMonitoring,
  edgeAdminPort: number,
  args: AwsMonitoringArgs,
  tags: Tags | undefined,
  parent: pulumi.Resource,
): AwsMonitoringResources & { prometheusUrl: pulumi.Output<string>; grafanaUrl: pulumi.Output<string> | undefined } {
  const child = { parent };
  const p = monitoring.prometheus!;
  const names = awsDiscoveryNames(topology);
  const { placement } = args;

  const prometheusSecurityGroup = new ec2.SecurityGroup(`${name}-prometheus-sg`, {
    vpcId: placement.vpcId,
    description: `prometheus of ${topology}`,
    tags: awsTags(tags, `${name}-prometheus-sg`),
  }, child);
  egressAnywhere(`${name}-prometheus-egress`, prometheusSecurityGroup.id, tags, child);
  ingressFromGroup(`${name}-scrape-edge`, { to: args.edgeSecurityGroupId, from: prometheusSecurityGroup.id, port: edgeAdminPort, description: "prometheus → edge admin (/metrics)" }, tags, child);

  const prometheusDiscovery = new servicediscovery.Service(`${name}-prometheus-discovery`, {
    name: names.prometheusService,
    description: "Prometheus, for Grafana's datasource",
    dnsConfig: { namespaceId: placement.namespaceId, dnsRecords: [{ type: "A", ttl: 10 }], routingPolicy: "MULTIVALUE" },
    healthCheckCustomConfig: {},
    forceDestroy: true,
    tags: awsTags(tags, `${name}-prometheus-discovery`),
  }, child);
  // The TSDB survives a redeploy: it lives on EFS, not in the task.
  const storage = args.dataSubnetIds && args.dataSubnetIds.length > 0
    ? prometheusStorage(`${name}-prometheus`, { vpcId: placement.vpcId, subnetIds: args.dataSubnetIds, prometheusSecurityGroupId: prometheusSecurityGroup.id }, tags, parent)
    : undefined;
  const prometheusTask = monitoringTask(`${name}-prometheus`, {
    family: p.resourceName,
    cpu: 512,
    memoryMiB: 1024,
    container: { name: "prometheus", image: p.image!, port: p.port, command: prometheusServerArgs(p) },
    files: { [PrometheusFiles.config]: p.configYaml, [PrometheusFiles.rules]: p.rulesYaml },
    secretFiles: prometheusSecretFiles(p),
    ...(storage ? { dataVolume: storage } : {}),
  }, args, tags, parent);
  const prerequisites = args.serviceDependsOn ?? [];
  const prometheusService = monitoringService(`${name}-prometheus`, p.resourceName, prometheusTask, prometheusSecurityGroup, placement, {
    registryArn: prometheusDiscovery.arn,
    // A task cannot start before its file system is mountable in its subnet.
    dependsOn: [...prerequisites, ...(storage?.mountTargets ?? [])],
  }, tags, parent);

  let grafanaService: ecs.Service | undefined;
  let grafanaTargetGroup: lb.TargetGroup | undefined;
  let grafanaUrl: pulumi.Output<string> | undefined;
  let grafanaDiscovery: servicediscovery.Service | undefined;
  const g = monitoring.grafana;
  if (g) {
    const grafanaSecurityGroup = new ec2.SecurityGroup(`${name}-grafana-sg`, {
      vpcId: placement.vpcId,
      description: `grafana of ${topology}`,
      tags: awsTags(tags, `${name}-grafana-sg`),
    }, child);
    egressAnywhere(`${name}-grafana-egress`, grafanaSecurityGroup.id, tags, child);
    ingressFromGroup(`${name}-grafana-to-prometheus`, { to: prometheusSecurityGroup.id, from: grafanaSecurityGroup.id, port: p.port, description: "grafana → prometheus" }, tags, child);
    const grafanaTask = monitoringTask(`${name}-grafana`, {
      family: g.resourceName,
      cpu: 256,
      memoryMiB: 512,
      container: {
        name: "grafana",
        image: g.image!,
        port: g.port,
        environment: [
          { name: "GF_SECURITY_ADMIN_USER", value: "admin" },
          { name: "GF_USERS_ALLOW_SIGN_UP", value: "false" },
          { name: "GF_AUTH_ANONYMOUS_ENABLED", value: "false" },
          { name: "GF_ANALYTICS_REPORTING_ENABLED", value: "false" },
        ],
        secrets: [{ name: "GF_SECURITY_ADMIN_PASSWORD", valueFrom: placement.secretArns[g.adminPassword.secret]! }],
      },
      files: { [GrafanaFiles.datasource]: g.datasourceYaml, [GrafanaFiles.dashboardProvider]: g.dashboardProviderYaml, [GrafanaFiles.dashboard]: g.dashboardJson },
    }, args, tags, parent);

    const publish = args.publishGrafanaOn;
    let listener: lb.Listener | undefined;
    if (publish) {
      grafanaTargetGroup = new lb.TargetGroup(`${name}-grafana-tg`, {
        name: publish.targetGroupName,
        port: g.port,
        protocol: "HTTP",
        targetType: "ip",
        vpcId: placement.vpcId,
        healthCheck: { enabled: true, protocol: "HTTP", path: "/api/health", matcher: "200", interval: 15, timeout: 5 },
        tags: awsTags(tags, `${name}-grafana-tg`),
      }, child);
      listener = new lb.Listener(`${name}-grafana-listener`, {
        loadBalancerArn: publish.loadBalancerArn,
        port: g.port,
        protocol: "HTTPS",
        certificateArn: publish.certificateArn,
        sslPolicy: TLS_POLICY,
        defaultActions: [{ type: "forward", targetGroupArn: grafanaTargetGroup.arn }],
        tags: awsTags(tags, `${name}-grafana-listener`),
      }, child);
      // Grafana's login page over HTTPS, to the networks the spec allows only.
      publish.allowedCidrs.forEach((cidr, i) => publicIngress(`${name}-grafana-in-${i}`, publish.securityGroupId, g.port, `Grafana from ${cidr}`, tags, child, cidr));
      ingressFromGroup(`${name}-alb-to-grafana`, { to: grafanaSecurityGroup.id, from: publish.securityGroupId, port: g.port, description: "alb → grafana" }, tags, child);
      grafanaUrl = pulumi.interpolate`https://${publish.dnsName}:${g.port}`;
    } else {
      // No ALB to publish on: Grafana is reachable inside the VPC, by its Cloud Map name.
      grafanaDiscovery = new servicediscovery.Service(`${name}-grafana-discovery`, {
        name: names.grafanaService,
        description: "Grafana (inside the VPC)",
        dnsConfig: { namespaceId: placement.namespaceId, dnsRecords: [{ type: "A", ttl: 10 }], routingPolicy: "MULTIVALUE" },
        healthCheckCustomConfig: {},
        forceDestroy: true,
        tags: awsTags(tags, `${name}-grafana-discovery`),
      }, child);
      grafanaUrl = pulumi.output(`http://${names.grafana}:${g.port}`);
    }
    grafanaService = monitoringService(`${name}-grafana`, g.resourceName, grafanaTask, grafanaSecurityGroup, placement, {
      ...(grafanaDiscovery ? { registryArn: grafanaDiscovery.arn } : {}),
      ...(grafanaTargetGroup ? { loadBalancer: { targetGroupArn: grafanaTargetGroup.arn, containerName: "grafana", containerPort: g.port } } : {}),
      dependsOn: [...prerequisites, ...(listener ? [listener] : [])],
    }, tags, parent);
  }
  return {
    prometheusSecurityGroup,
    prometheusService,
    prometheusStorage: storage,
    prometheusDiscovery,
    grafanaService,
    grafanaTargetGroup,
    prometheusUrl: pulumi.output(`http://${names.prometheus}:${p.port}`),
    grafanaUrl,
  };
}
