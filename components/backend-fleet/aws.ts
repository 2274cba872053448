/**
 * A fleet on AWS: an ECS Fargate service in the private subnets, registered in
 * Cloud Map as `<fleet>.<topology>.local` (one A record per task, which the
 * edge resolves and balances over), a security group that admits only the
 * edge tier, and autoscaling bounds when the spec asks for them.
 */
import * as pulumi from "@pulumi/pulumi";
import * as appautoscaling from "@pulumi/aws/appautoscaling/index.js";
import * as ec2 from "@pulumi/aws/ec2/index.js";
import * as ecs from "@pulumi/aws/ecs/index.js";
import * as servicediscovery from "@pulumi/aws/servicediscovery/index.js";
import type { PlannedFleet } from "../../src/plan/types.js";
import { awsLogs, containerDefinitionsJson, type EcsPlacement } from "../shared/ecs.js";
import { ecsHealthTiming, fleetHealthShell } from "../shared/health.js";
import { egressAnywhere, ingressFromGroup } from "../shared/network-rules.js";
import { awsTags, type Tags } from "../shared/tags.js";

export interface AwsFleetArgs {
  readonly placement: EcsPlacement;
  /** The edge tier's security group: the only source allowed to reach the fleet. */
  readonly edgeSecurityGroupId: pulumi.Input<string>;
  /** Resources the tasks need first (AwsFoundation.taskPrerequisites): the service depends on them. */
  readonly serviceDependsOn?: pulumi.Resource[];
  /** IAM role the fleet's tasks run as (the target's fleetTaskRoleArn): their own AWS permissions. */
  readonly taskRoleArn?: pulumi.Input<string>;
}

export interface AwsFleetResources {
  readonly securityGroup: ec2.SecurityGroup;
  readonly taskDefinition: ecs.TaskDefinition;
  readonly discovery: servicediscovery.Service;
  readonly service: ecs.Service;
  readonly scalingTarget: appautoscaling.Target | undefined;
  readonly scalingPolicy: appautoscaling.Policy | undefined;
}

export function awsFleet(name: string, fleet: PlannedFleet, args: AwsFleetArgs, tags: Tags | undefined, parent: pulumi.Resource): AwsFleetResources {
  const child = { parent };
  const { placement } = args;
  const port = fleet.port!;

  const securityGroup = new ec2.SecurityGroup(`${name}-sg`, {
    vpcId: placement.vpcId,
    description: `fleet ${fleet.name}: reachable from the edge tier only`,
    tags: awsTags(tags, `${name}-sg`),
  }, child);
  ingressFromGroup(`${name}-from-edge`, { to: securityGroup.id, from: args.edgeSecurityGroupId, port, description: `edge → ${fleet.name}:${port}` }, tags, child);
  egressAnywhere(`${name}-egress`, securityGroup.id, tags, child);

  const environment = [
    { name: "PORT", value: String(port) },
    { name: "EDGEFORM_FLEET", value: fleet.name },
    ...Object.entries(fleet.env).filter(([, v]) => v.secret === undefined).map(([k, v]) => ({ name: k, value: v.value ?? "" })),
  ];
  const secrets = Object.entries(fleet.env)
    .filter(([, v]) => v.secret !== undefined)
    .map(([k, v]) => ({ name: k, valueFrom: placement.secretArns[v.secret!]! }));
  const check = fleet.healthCheck!;
  const taskDefinition = new ecs.TaskDefinition(`${name}-task`, {
    family: fleet.resourceName,
    cpu: String(fleet.resources.cpu),
    memory: String(fleet.resources.memoryMiB),
    networkMode: "awsvpc",
    requiresCompatibilities: ["FARGATE"],
    runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" },
    executionRoleArn: placement.executionRoleArn,
    ...(args.taskRoleArn !== undefined ? { taskRoleArn: args.taskRoleArn } : {}),
    containerDefinitions: containerDefinitionsJson([
      {
        name: "app",
        image: fleet.image!,
        essential: true,
        ...(fleet.command ? { command: fleet.command } : {}),
        environment,
        ...(secrets.length > 0 ? { secrets } : {}),
        portMappings: [{ containerPort: port, protocol: "tcp" }],
        healthCheck: { command: ["CMD-SHELL", fleetHealthShell(check, port)], ...ecsHealthTiming(check) },
        logConfiguration: awsLogs(placement, fleet.name),
      },
    ]),
    tags: awsTags(tags, `${name}-task`),
  }, child);

  const discovery = new servicediscovery.Service(`${name}-discovery`, {
    name: fleet.name,
    description: `every task of fleet ${fleet.name}`,
    dnsConfig: {
      namespaceId: placement.namespaceId,
      // One A record per task; the edge re-resolves every few seconds, so keep the TTL short.
      dnsRecords: [{ type: "A", ttl: 10 }],
      routingPolicy: "MULTIVALUE",
    },
    // ECS reports task health to Cloud Map, so stopped or failing tasks drop out of DNS.
    healthCheckCustomConfig: {},
    forceDestroy: true,
    tags: awsTags(tags, `${name}-discovery`),
  }, child);

  const scaling = fleet.autoscaling;
  const desiredCount = scaling ? Math.min(scaling.max, Math.max(scaling.min, fleet.replicas)) : fleet.replicas;
  const service = new ecs.Service(`${name}-service`, {
    name: fleet.resourceName,
    cluster: placement.clusterArn,
    taskDefinition: taskDefinition.arn,
    desiredCount,
    launchType: "FARGATE",
    networkConfiguration: { subnets: placement.privateSubnetIds, securityGroups: [securityGroup.id], assignPublicIp: false },
    serviceRegistries: { registryArn: discovery.arn },
    deploymentCircuitBreaker: { enable: true, rollback: true },
    // `up` fails when tasks crash-loop instead of reporting success.
    waitForSteadyState: true,
    propagateTags: "SERVICE",
    tags: awsTags(tags, `${name}-service`),
  }, { parent, dependsOn: args.serviceDependsOn ?? [], ...(scaling ? { ignoreChanges: ["desiredCount"] } : {}) });

  let scalingTarget: appautoscaling.Target | undefined;
  let scalingPolicy: appautoscaling.Policy | undefined;
  if (scaling) {
    const clusterName = pulumi.output(placement.clusterArn).apply((arn) => arn.split("/").pop()!);
    scalingTarget = new appautoscaling.Target(`${name}-scaling`, {
      serviceNamespace: "ecs",
      scalableDimension: "ecs:service:DesiredCount",
      resourceId: pulumi.interpolate`service/${clusterName}/${service.name}`,
      minCapacity: scaling.min,
      maxCapacity: scaling.max,
      tags: awsTags(tags, `${name}-scaling`),
    }, child);
    scalingPolicy = new appautoscaling.Policy(`${name}-cpu`, {
      policyType: "TargetTrackingScaling",
      serviceNamespace: scalingTarget.serviceNamespace,
      scalableDimension: scalingTarget.scalableDimension,
      resourceId: scalingTarget.resourceId,
      targetTrackingScalingPolicyConfiguration: {
        targetValue: scaling.cpuTarget,
        predefinedMetricSpecification: { predefinedMetricType: "ECSServiceAverageCPUUtilization" },
        scaleInCooldown: 120,
        scaleOutCooldown: 60,
      },
    }, child);
  }
  return { securityGroup, taskDefinition, discovery, service, scalingTarget, scalingPolicy };
}
