/**
 * A cache tier on AWS: an ElastiCache Redis replication group in the private
 * subnets, reachable only from the edge tier's security group, with TLS in
 * transit, encryption at rest, an AUTH token from Pulumi secrets, allkeys-lru
 * eviction and no snapshots.
 */
import * as pulumi from "@pulumi/pulumi";
import * as ec2 from "@pulumi/aws/ec2/index.js";
import * as elasticache from "@pulumi/aws/elasticache/index.js";
import { NameLimits, resourceName } from "../../src/plan/naming.js";
import { nodeTypeFor } from "../../src/plan/aws-sizes.js";
import type { PlannedCache } from "../../src/plan/types.js";
import { ingressFromGroup } from "../shared/network-rules.js";
import { secretOutput } from "../shared/secrets.js";
import { awsTags, type Tags } from "../shared/tags.js";

export interface AwsCacheArgs {
  readonly vpcId: pulumi.Input<string>;
  /** Private subnets (two or more zones for failover). */
  readonly subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** The edge tier's security group: the only source allowed to connect. */
  readonly edgeSecurityGroupId: pulumi.Input<string>;
  /** Redis AUTH token (16-128 printable characters), e.g. `config.requireSecret("redisAuthToken")`. */
  readonly authToken: pulumi.Input<string>;
  /** Node type; by default the smallest whose usable memory holds maxMemory. */
  readonly nodeType?: string;
  /** Nodes in the group, primary included (default 2: a replica to fail over to). */
  readonly nodes?: number;
}

export interface AwsCacheResources {
  readonly securityGroup: ec2.SecurityGroup;
  readonly subnetGroup: elasticache.SubnetGroup;
  readonly parameterGroup: elasticache.ParameterGroup;
  readonly replicationGroup: elasticache.ReplicationGroup;
}

export function awsCache(name: string, cache: PlannedCache, args: AwsCacheArgs, tags: Tags | undefined, parent: pulumi.Resource): AwsCacheResources {
  const child = { parent };
  const redis = cache.redis!;
  const securityGroup = new ec2.SecurityGroup(`${name}-sg`, {
    vpcId: args.vpcId,
    description: `redis of cache ${cache.name}: reachable from the edge tier only`,
    tags: awsTags(tags, `${name}-sg`),
  }, child);
  ingressFromGroup(`${name}-from-edge`, { to: securityGroup.id, from: args.edgeSecurityGroupId, port: redis.port, description: `edge → redis ${cache.name}` }, tags, child);

  const subnetGroup = new elasticache.SubnetGroup(`${name}-subnets`, {
    description: `private subnets of cache ${cache.name}`,
    subnetIds: args.subnetIds,
    tags: awsTags(tags, `${name}-subnets`),
  }, child);
  const parameterGroup = new elasticache.ParameterGroup(`${name}-params`, {
    family: "redis7",
    description: `cache ${cache.name}: evict least recently used keys`,
    parameters: [{ name: "maxmemory-policy", value: redis.evictionPolicy }],
    tags: awsTags(tags, `${name}-params`),
  }, child);
  const nodes = args.nodes ?? 2;
  const replicationGroup = new elasticache.ReplicationGroup(`${name}-redis`, {
    replicationGroupId: redis.replicationGroupId ?? resourceName([cache.resourceName], NameLimits.awsElastiCache),
    description: `edgeform cache ${cache.name}`,
    engine: "redis",
    engineVersion: "7.1",
    nodeType: args.nodeType ?? nodeTypeFor(redis.maxMemoryBytes)!,
    numCacheClusters: nodes,
    automaticFailoverEnabled: nodes > 1,
    multiAzEnabled: nodes > 1,
    port: redis.port,
    subnetGroupName: subnetGroup.name,
    securityGroupIds: [securityGroup.id],
    parameterGroupName: parameterGroup.name,
    transitEncryptionEnabled: true,
    atRestEncryptionEnabled: true,
    authToken: secretOutput(args.authToken),
    // A cache: nothing worth a snapshot.
    snapshotRetentionLimit: 0,
    applyImmediately: true,
    tags: awsTags(tags, `${name}-redis`),
    // A fixed id: a replacement must delete the old group first.
  }, { parent, deleteBeforeReplace: true });
  return { securityGroup, subnetGroup, parameterGroup, replicationGroup };
}
