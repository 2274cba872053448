/**
 * AwsFoundation: what every ECS task of a topology shares — a VPC with public
 * subnets (load balancers only) and private subnets (tasks, Redis), an ECS
 * cluster, the Cloud Map namespace `<topology>.local`, the edge tier's
 * security group, a task execution role, a log group, and the topology's
 * secrets in Secrets Manager. An existing VPC (with its subnets) or ECS
 * cluster can be passed instead of creating one.
 */
import * as pulumi from "@pulumi/pulumi";
import { getAvailabilityZonesOutput } from "@pulumi/aws/getAvailabilityZones.js";
import { getCallerIdentityOutput } from "@pulumi/aws/getCallerIdentity.js";
import * as cloudwatch from "@pulumi/aws/cloudwatch/index.js";
import * as ec2 from "@pulumi/aws/ec2/index.js";
import * as ecs from "@pulumi/aws/ecs/index.js";
import * as iam from "@pulumi/aws/iam/index.js";
import * as secretsmanager from "@pulumi/aws/secretsmanager/index.js";
import * as servicediscovery from "@pulumi/aws/servicediscovery/index.js";
import { argsError } from "../shared/args.js";
import type { EcsPlacement } from "../shared/ecs.js";
import { egressAnywhere } from "../shared/network-rules.js";
import type { PlannedAws } from "../../src/plan/types.js";
import { assumeRolePolicy } from "../shared/iam.js";
import { secretOutput, type SecretValues } from "../shared/secrets.js";
import { awsTags, type Tags } from "../shared/tags.js";

/** The physical names a foundation uses, from the plan (DeploymentPlan.aws). */
export type FoundationNames = Pick<PlannedAws, "prefix" | "namespace" | "logGroup" | "secretPrefix">;

export interface AwsFoundationArgs {
  /** Topology name, for descriptions. */
  readonly topology: string;
  /** Cloud Map namespace, log group and secret names (plan.aws). */
  readonly names: FoundationNames;
  readonly region: string;
  readonly tags?: Tags;
  /** Secret name → value; each becomes a Secrets Manager secret that tasks read by ARN. */
  readonly secrets?: SecretValues;
  /** Use this VPC instead of creating one; needs publicSubnetIds and privateSubnetIds too. */
  readonly vpcId?: pulumi.Input<string>;
  readonly publicSubnetIds?: pulumi.Input<pulumi.Input<string>[]>;
  readonly privateSubnetIds?: pulumi.Input<pulumi.Input<string>[]>;
  /** Use this ECS cluster instead of creating one. */
  readonly clusterArn?: pulumi.Input<string>;
  /** Availability zones for a new VPC (default 2, the minimum an ALB accepts). */
  readonly availabilityZones?: number;
}

/** A VPC created for the topology: public subnets with an internet gateway, private ones behind one NAT gateway. */
interface CreatedVpc {
  vpc: ec2.Vpc;
  publicSubnets: ec2.Subnet[];
  privateSubnets: ec2.Subnet[];
  natGateway: ec2.NatGateway;
  routeTableAssociations: ec2.RouteTableAssociation[];
}

export class AwsFoundation extends pulumi.ComponentResource {
  readonly vpcId: pulumi.Output<string>;
  readonly publicSubnetIds: pulumi.Output<string[]>;
  readonly privateSubnetIds: pulumi.Output<string[]>;
  /** The private subnets one by one, when their number is known before deployment (for per-subnet resources). */
  readonly privateSubnetList: pulumi.Input<string>[] | undefined;
  readonly clusterArn: pulumi.Output<string>;
  /** Created resources; undefined where an existing one was passed in. */
  readonly network: CreatedVpc | undefined;
  readonly cluster: ecs.Cluster | undefined;
  readonly namespace: servicediscovery.PrivateDnsNamespace;
  /** The edge tasks' security group: fleets and caches accept traffic only from it. */
  readonly edgeSecurityGroup: ec2.SecurityGroup;
  readonly executionRole: iam.Role;
  readonly logGroup: cloudwatch.LogGroup;
  /** The account the stack deploys to: trust policies admit only its services (aws:SourceAccount). */
  readonly accountId: pulumi.Output<string>;
  readonly secrets: Record<string, secretsmanager.Secret>;
  readonly placement: EcsPlacement;
  /**
   * What a task needs before it can start: the NAT gateway and route-table
   * associations (image pulls, AWS APIs), the execution role's policies and
   * the secret values. ECS services depend on these, so a service is never
   * created (or waited for) before its tasks could run.
   */
  readonly taskPrerequisites: pulumi.Resource[];

  constructor(name: string, args: AwsFoundationArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("edgeform:components:AwsFoundation", name, {}, opts);
    const givenNetwork = [args.vpcId, args.publicSubnetIds, args.privateSubnetIds].filter((v) => v !== undefined).length;
    if (givenNetwork !== 0 && givenNetwork !== 3) {
      throw argsError("AwsFoundation", name, "an existing VPC needs all of vpcId, publicSubnetIds and privateSubnetIds (load balancers go in the public subnets, tasks in the private ones)");
    }
    const azCount = args.availabilityZones ?? 2;
    if (!Number.isInteger(azCount) || azCount < 2 || azCount > 6) {
      throw argsError("AwsFoundation", name, `availabilityZones must be 2-6 (an ALB needs subnets in two zones), got ${azCount}`);
    }
    const child = { parent: this };
    const tags = args.tags;
    this.accountId = getCallerIdentityOutput({}, { parent: this }).accountId;

    if (args.vpcId !== undefined) {
      this.network = undefined;
      this.vpcId = pulumi.output(args.vpcId);
      this.publicSubnetIds = pulumi.output(args.publicSubnetIds!);
      this.privateSubnetIds = pulumi.output(args.privateSubnetIds!);
      this.privateSubnetList = Array.isArray(args.privateSubnetIds) ? [...args.privateSubnetIds] : undefined;
    } else {
      this.network = createVpc(name, azCount, tags, this);
      this.vpcId = this.network.vpc.id;
      this.publicSubnetIds = pulumi.all(this.network.publicSubnets.map((s) => s.id));
      this.privateSubnetIds = pulumi.all(this.network.privateSubnets.map((s) => s.id));
      this.privateSubnetList = this.network.privateSubnets.map((s) => s.id);
    }

    if (args.clusterArn !== undefined) {
      this.cluster = undefined;
      this.clusterArn = pulumi.output(args.clusterArn);
    } else {
      this.cluster = new ecs.Cluster(`${name}-cluster`, {
        settings: [{ name: "containerInsights", value: "enabled" }],
        tags: awsTags(tags, `${name}-cluster`),
      }, child);
      this.clusterArn = this.cluster.arn;
    }

    // Fixed names: a replacement must delete the old one first, or it would collide with itself.
    const fixedName = { parent: this, deleteBeforeReplace: true };
    this.namespace = new servicediscovery.PrivateDnsNamespace(`${name}-ns`, {
      name: args.names.namespace,
      vpc: this.vpcId,
      description: `edgeform topology ${args.topology}: fleets, edge and monitoring by name`,
      tags: awsTags(tags, `${name}-ns`),
    }, fixedName);

    this.edgeSecurityGroup = new ec2.SecurityGroup(`${name}-edge-sg`, {
      vpcId: this.vpcId,
      description: `edge proxy tasks of ${args.topology}`,
      tags: awsTags(tags, `${name}-edge-sg`),
    }, child);
    egressAnywhere(`${name}-edge-egress`, this.edgeSecurityGroup.id, tags, child);

    this.logGroup = new cloudwatch.LogGroup(`${name}-logs`, {
      name: args.names.logGroup,
      retentionInDays: 14,
      tags: awsTags(tags, `${name}-logs`),
    }, fixedName);

    const prerequisites: pulumi.Resource[] = this.network ? [this.network.natGateway, ...this.network.routeTableAssociations] : [];
    this.secrets = {};
    const secretArns: Record<string, pulumi.Output<string>> = {};
    for (const secretName of Object.keys(args.secrets ?? {}).sort()) {
      const resource = `${name}-secret-${secretName.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`;
      const secret = new secretsmanager.Secret(resource, {
        name: `${args.names.secretPrefix}${secretName}`,
        description: `edgeform secret "${secretName}" of topology ${args.topology}`,
        // Deleted at once on destroy, so `edgeform up` after `destroy` can recreate the same name.
        recoveryWindowInDays: 0,
        tags: awsTags(tags, resource),
      }, fixedName);
      prerequisites.push(new secretsmanager.SecretVersion(`${resource}-value`, { secretId: secret.id, secretString: secretOutput(args.secrets![secretName]!) }, child));
      this.secrets[secretName] = secret;
      secretArns[secretName] = secret.arn;
    }

    this.executionRole = new iam.Role(`${name}-exec`, {
      description: `ECS task execution role of edgeform topology ${args.topology}`,
      assumeRolePolicy: assumeRolePolicy("ecs-tasks.amazonaws.com", this.accountId),
      tags: awsTags(tags, `${name}-exec`),
    }, child);
    prerequisites.push(new iam.RolePolicyAttachment(`${name}-exec-policy`, {
      role: this.executionRole.name,
      policyArn: "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
    }, child));
    const arns = Object.values(secretArns);
    if (arns.length > 0) {
      // Only this topology's secrets, only read.
      prerequisites.push(new iam.RolePolicy(`${name}-exec-secrets`, {
        role: this.executionRole.name,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: pulumi.all(arns) }],
        }),
      }, child));
    }

    this.placement = {
      region: args.region,
      clusterArn: this.clusterArn,
      vpcId: this.vpcId,
      privateSubnetIds: this.privateSubnetIds,
      namespaceId: this.namespace.id,
      executionRoleArn: this.executionRole.arn,
      logGroupName: this.logGroup.name,
      secretArns,
      accountId: this.accountId,
      namespaceName: args.names.namespace,
    };
    this.taskPrerequisites = prerequisites;

    this.registerOutputs({
      vpcId: this.vpcId,
      publicSubnetIds: this.publicSubnetIds,
      privateSubnetIds: this.privateSubnetIds,
      clusterArn: this.clusterArn,
      namespaceId: this.namespace.id,
      edgeSecurityGroupId: this.edgeSecurityGroup.id,
    });
  }
}

function createVpc(name: string, azCount: number, tags: Tags | undefined, parent: pulumi.Resource): CreatedVpc {
  const child = { parent };
  const zones = getAvailabilityZonesOutput({ state: "available" }, { parent });
  const vpc = new ec2.Vpc(`${name}-vpc`, {
    cidrBlock: "10.0.0.0/16",
    // Cloud Map private DNS needs both.
    enableDnsHostnames: true,
    enableDnsSupport: true,
    tags: awsTags(tags, `${name}-vpc`),
  }, child);
  const igw = new ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: awsTags(tags, `${name}-igw`) }, child);
  const zone = (i: number) => zones.names.apply((names) => {
    if (names.length < azCount) throw new Error(`region has ${names.length} availability zones, the topology asks for ${azCount}`);
    return names[i]!;
  });
  const publicSubnets = Array.from({ length: azCount }, (_, i) => new ec2.Subnet(`${name}-public-${i}`, {
    vpcId: vpc.id,
    cidrBlock: `10.0.${i}.0/24`,
    availabilityZone: zone(i),
    mapPublicIpOnLaunch: false,
    tags: awsTags(tags, `${name}-public-${i}`),
  }, child));
  const privateSubnets = Array.from({ length: azCount }, (_, i) => new ec2.Subnet(`${name}-private-${i}`, {
    vpcId: vpc.id,
    cidrBlock: `10.0.${128 + i * 16}.0/20`,
    availabilityZone: zone(i),
    tags: awsTags(tags, `${name}-private-${i}`),
  }, child));
  // One NAT gateway keeps the bill small; a zone outage cuts private egress (image pulls), not serving.
  const eip = new ec2.Eip(`${name}-nat-ip`, { domain: "vpc", tags: awsTags(tags, `${name}-nat-ip`) }, child);
  const natGateway = new ec2.NatGateway(`${name}-nat`, {
    allocationId: eip.id,
    subnetId: publicSubnets[0]!.id,
    tags: awsTags(tags, `${name}-nat`),
  }, { parent, dependsOn: [igw] });
  const publicRoutes = new ec2.RouteTable(`${name}-public-rt`, {
    vpcId: vpc.id,
    routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }],
    tags: awsTags(tags, `${name}-public-rt`),
  }, child);
  const privateRoutes = new ec2.RouteTable(`${name}-private-rt`, {
    vpcId: vpc.id,
    routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: natGateway.id }],
    tags: awsTags(tags, `${name}-private-rt`),
  }, child);
  const routeTableAssociations = [
    ...publicSubnets.map((s, i) => new ec2.RouteTableAssociation(`${name}-public-rta-${i}`, { subnetId: s.id, routeTableId: publicRoutes.id }, child)),
    ...privateSubnets.map((s, i) => new ec2.RouteTableAssociation(`${name}-private-rta-${i}`, { subnetId: s.id, routeTableId: privateRoutes.id }, child)),
  ];
  return { vpc, publicSubnets, privateSubnets, natGateway, routeTableAssociations };
}
