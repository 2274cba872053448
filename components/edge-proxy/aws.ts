/**
 * The edge tier on AWS: the proxy image pushed to an ECR repository, an ECS
 * Fargate service in the private subnets (registered in Cloud Map so
 * Prometheus finds every task), behind an ALB (HTTP) and an NLB (TCP), with
 * CloudFront in front of the ALB when the target enables `cdn`. The generated
 * proxy config reaches the task through a config-writer init container.
 */
import * as pulumi from "@pulumi/pulumi";
import type * as docker from "@pulumi/docker";
import * as ecr from "@pulumi/aws/ecr/index.js";
import * as ecs from "@pulumi/aws/ecs/index.js";
import * as iam from "@pulumi/aws/iam/index.js";
import * as servicediscovery from "@pulumi/aws/servicediscovery/index.js";
import { awsDiscoveryNames } from "../../src/plan/monitoring/files.js";
import type { DeploymentPlan } from "../../src/plan/types.js";
import type { AwsTargetSpec } from "../../src/spec/types.js";
import { awsLogs, configWriter, containerDefinitionsJson, type EcsPlacement } from "../shared/ecs.js";
import { EDGE_LIVENESS_PATH, nodeHttpProbe } from "../shared/health.js";
import { assumeRolePolicy } from "../shared/iam.js";
import { PROXY_COMMAND, PROXY_CONFIG_PATH } from "../shared/paths.js";
import { awsTags, type Tags } from "../shared/tags.js";
import { edgeCdn, type CdnResources } from "./aws-cdn.js";
import { edgeLoadBalancers, type EdgeLoadBalancers, type ExistingAlbListener } from "./aws-lb.js";
import { buildEdgeImage } from "./image.js";

export interface AwsEdgeArgs {
  readonly placement: EcsPlacement;
  /** Public subnets for the load balancers. */
  readonly publicSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** The edge tasks' security group (AwsFoundation.edgeSecurityGroup): fleets and caches admit it. */
  readonly securityGroupId: pulumi.Input<string>;
  /** Cache name → URL of its Redis tier (CacheTier.url), for every cache with a redis section. */
  readonly redisUrls?: Readonly<Record<string, pulumi.Input<string>>>;
  /** The target's `cdn` settings; CloudFront is created when present and not disabled. */
  readonly cdn?: AwsTargetSpec["cdn"];
  /** Add a rule to this ALB listener instead of creating an ALB. */
  readonly existingAlbListener?: ExistingAlbListener;
  /** Resources the tasks need first (AwsFoundation.taskPrerequisites): the service depends on them. */
  readonly serviceDependsOn?: pulumi.Resource[];
  /** With a CDN: the secret CloudFront sends in its origin header and the ALB requires. */
  readonly cdnOriginSecret?: pulumi.Input<string>;
}

export interface AwsEdgeResources {
  readonly repository: ecr.Repository | undefined;
  readonly image: docker.Image | undefined;
  readonly taskDefinition: ecs.TaskDefinition;
  readonly discovery: servicediscovery.Service;
  readonly taskRole: iam.Role;
  readonly service: ecs.Service;
  readonly loadBalancers: EdgeLoadBalancers;
  readonly cdn: CdnResources | undefined;
}

/** CPU units / MiB of one edge task: the proxy and its (short-lived) config writer. */
const EDGE_TASK = { cpu: 512, memoryMiB: 1024 };

/** Keep the last 20 images: every `up` pushes one. */
const ECR_LIFECYCLE = {
  rules: [{ rulePriority: 1, description: "keep the last 20 images", selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: 20 }, action: { type: "expire" } }],
};

/**
 * The edge tasks' own role: allowed only to list the instances of this
 * topology's Cloud Map namespace (discovery beyond Cloud Map DNS's eight records).
 */
function edgeTaskRole(name: string, plan: DeploymentPlan, placement: EcsPlacement, tags: Tags | undefined, parent: pulumi.Resource): iam.Role {
  const role = new iam.Role(`${name}-task-role`, {
    description: `edge proxy tasks of ${plan.name}: Cloud Map discovery only`,
    assumeRolePolicy: assumeRolePolicy("ecs-tasks.amazonaws.com", placement.accountId),
    tags: awsTags(tags, `${name}-task-role`),
  }, { parent });
  new iam.RolePolicy(`${name}-task-discovery`, {
    role: role.name,
    policy: JSON.stringify({
      Version: "2012-10-17",
      Statement: [{
        Effect: "Allow",
        Action: ["servicediscovery:DiscoverInstances"],
        Resource: "*",
        Condition: { StringEquals: { "servicediscovery:NamespaceName": plan.aws!.namespace } },
      }],
    }),
  }, { parent });
  return role;
}

export function cdnEnabled(cdn: AwsTargetSpec["cdn"]): boolean {
  return cdn !== undefined && cdn.enabled !== false;
}

export function awsEdge(
  name: string,
  plan: DeploymentPlan,
  args: AwsEdgeArgs,
  secretNames: Readonly<Record<string, string>>,
  baseImage: string | undefined,
  tags: Tags | undefined,
  parent: pulumi.Resource,
): AwsEdgeResources & { imageRef: pulumi.Output<string> } {
  const child = { parent };
  const { placement } = args;
  const edge = plan.edge;

  let repository: ecr.Repository | undefined;
  let image: docker.Image | undefined;
  let imageRef: pulumi.Output<string>;
  if (edge.image !== undefined) {
    imageRef = pulumi.output(edge.image);
  } else {
    repository = new ecr.Repository(`${name}-repo`, {
      name: plan.aws!.ecrRepository,
      imageTagMutability: "MUTABLE",
      imageScanningConfiguration: { scanOnPush: true },
      // `edgeform destroy` removes the repository with its images.
      forceDelete: true,
      tags: awsTags(tags, `${name}-repo`),
    }, { parent, deleteBeforeReplace: true });
    new ecr.LifecyclePolicy(`${name}-repo-lifecycle`, { repository: repository.name, policy: JSON.stringify(ECR_LIFECYCLE) }, child);
    const auth = ecr.getAuthorizationTokenOutput({ registryId: repository.registryId }, { parent });
    image = buildEdgeImage(`${name}-image`, {
      imageName: pulumi.interpolate`${repository.repositoryUrl}:latest`,
      baseImage,
      registry: { server: repository.repositoryUrl, username: auth.userName, password: auth.password },
      platform: "linux/amd64",
    }, parent);
    // The digest pins the exact image, so a rebuild rolls the service.
    imageRef = image.repoDigest;
  }

  const logs = awsLogs(placement, "edge");
  const writer = configWriter(imageRef, { [PROXY_CONFIG_PATH]: JSON.stringify(plan.proxyConfig, null, 2) + "\n" }, logs);
  const environment: Array<{ name: string; value: pulumi.Input<string> }> = [{ name: "EDGEFORM_TARGET", value: plan.target.name }];
  for (const cache of plan.proxyConfig.caches) {
    const url = args.redisUrls?.[cache.name];
    if (cache.redis?.urlEnv && url !== undefined) environment.push({ name: cache.redis.urlEnv, value: url });
  }
  const secrets = Object.entries(secretNames).sort(([a], [b]) => a.localeCompare(b)).map(([env, secret]) => ({ name: env, valueFrom: placement.secretArns[secret]! }));
  const ports = [...new Set([...edge.listeners.map((l) => l.port), edge.adminPort])];
  const taskRole = edgeTaskRole(name, plan, placement, tags, parent);
  const taskDefinition = new ecs.TaskDefinition(`${name}-task`, {
    family: edge.resourceName,
    cpu: String(EDGE_TASK.cpu),
    memory: String(EDGE_TASK.memoryMiB),
    networkMode: "awsvpc",
    requiresCompatibilities: ["FARGATE"],
    runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" },
    executionRoleArn: placement.executionRoleArn,
    taskRoleArn: taskRole.arn,
    volumes: writer.volumes,
    containerDefinitions: containerDefinitionsJson([
      writer.container,
      {
        name: "edge",
        image: imageRef,
        essential: true,
        command: PROXY_COMMAND,
        environment,
        ...(secrets.length > 0 ? { secrets } : {}),
        portMappings: ports.map((containerPort) => ({ containerPort, protocol: "tcp" as const })),
        healthCheck: { command: ["CMD", "node", "-e", nodeHttpProbe(edge.adminPort, EDGE_LIVENESS_PATH)], interval: 10, timeout: 5, retries: 3, startPeriod: 15 },
        dependsOn: [writer.dependency],
        mountPoints: writer.readerMounts,
        logConfiguration: logs,
      },
    ]),
    tags: awsTags(tags, `${name}-task`),
  }, child);

  const names = awsDiscoveryNames(plan.aws!.prefix);
  const discovery = new servicediscovery.Service(`${name}-discovery`, {
    name: names.edgeService,
    description: "every edge proxy task (Prometheus scrapes each one)",
    dnsConfig: { namespaceId: placement.namespaceId, dnsRecords: [{ type: "A", ttl: 10 }], routingPolicy: "MULTIVALUE" },
    healthCheckCustomConfig: {},
    forceDestroy: true,
    tags: awsTags(tags, `${name}-discovery`),
  }, child);

  const withCdn = cdnEnabled(args.cdn);
  const loadBalancers = edgeLoadBalancers(name, plan, {
    vpcId: placement.vpcId,
    publicSubnetIds: args.publicSubnetIds,
    edgeSecurityGroupId: args.securityGroupId,
    existingAlbListener: args.existingAlbListener,
    cloudFrontOnly: withCdn && args.existingAlbListener === undefined,
    originSecret: withCdn && args.existingAlbListener === undefined ? args.cdnOriginSecret : undefined,
  }, tags, parent);

  const service = new ecs.Service(`${name}-service`, {
    name: edge.resourceName,
    cluster: placement.clusterArn,
    taskDefinition: taskDefinition.arn,
    desiredCount: edge.replicas,
    launchType: "FARGATE",
    networkConfiguration: { subnets: placement.privateSubnetIds, securityGroups: [args.securityGroupId], assignPublicIp: false },
    loadBalancers: loadBalancers.targets.map((t) => ({ targetGroupArn: t.targetGroup.arn, containerName: "edge", containerPort: t.listener.port })),
    ...(loadBalancers.targets.length > 0 ? { healthCheckGracePeriodSeconds: 30 } : {}),
    serviceRegistries: { registryArn: discovery.arn },
    deploymentCircuitBreaker: { enable: true, rollback: true },
    // `up` fails when tasks crash-loop instead of reporting success.
    waitForSteadyState: true,
    propagateTags: "SERVICE",
    tags: awsTags(tags, `${name}-service`),
    // ECS refuses a target group that no listener uses yet; tasks need the foundation's network, roles and secrets.
  }, { parent, dependsOn: [...loadBalancers.listeners, ...loadBalancers.listenerRules, taskRole, ...(args.serviceDependsOn ?? [])] });

  let cdn: CdnResources | undefined;
  if (withCdn && loadBalancers.httpDnsName) {
    cdn = edgeCdn(name, plan.name, plan.aws!, args.cdn!, { dnsName: loadBalancers.httpDnsName, secret: args.cdnOriginSecret! }, tags, parent);
  }
  return { repository, image, taskDefinition, discovery, taskRole, service, loadBalancers, cdn, imageRef };
}
