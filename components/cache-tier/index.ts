/**
 * CacheTier: the shared Redis tier of one cache (the memory tier lives in
 * every proxy). Docker: a Redis container; AWS: an ElastiCache replication
 * group. `url` is what the edge connects to.
 */
import * as pulumi from "@pulumi/pulumi";
import type { PlannedCache } from "../../src/plan/types.js";
import { Defaults } from "../../src/plan/defaults.js";
import { argsError, oneProvider } from "../shared/args.js";
import type { Tags } from "../shared/tags.js";
import { nodeTypeFor } from "../../src/plan/aws-sizes.js";
import { awsCache, type AwsCacheArgs, type AwsCacheResources } from "./aws.js";
import { dockerCache, type DockerCacheArgs, type DockerCacheResources } from "./docker.js";

/** Stack secret holding the ElastiCache AUTH token (`pulumi config set --secret redisAuthToken …`). */
export const REDIS_AUTH_SECRET = "redisAuthToken";

export interface CacheTierArgs {
  /** The cache as planned (plan.caches[i]); it must have a redis section. */
  readonly cache: PlannedCache;
  readonly tags?: Tags;
  readonly docker?: DockerCacheArgs;
  readonly aws?: AwsCacheArgs;
}

export class CacheTier extends pulumi.ComponentResource {
  /** redis:// (Docker) or rediss:// (AWS, TLS) URL of the primary. */
  readonly url: pulumi.Output<string>;
  /** Docker: the generated Redis password (a secret) the edge authenticates with. */
  readonly password: pulumi.Output<string> | undefined;
  readonly docker: DockerCacheResources | undefined;
  readonly aws: AwsCacheResources | undefined;

  constructor(name: string, args: CacheTierArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("edgeform:components:CacheTier", name, {}, opts);
    const where = oneProvider("CacheTier", name, args);
    const redis = args.cache.redis;
    if (redis === undefined) {
      throw argsError("CacheTier", name, `cache "${args.cache.name}" has no redis section, so it lives only in the proxies' memory and there is nothing to provision`);
    }
    if (where.aws) {
      if (typeof where.aws.authToken === "string" && !/^[\x21-\x7e]{16,128}$/.test(where.aws.authToken)) {
        throw argsError("CacheTier", name, "the Redis AUTH token must be 16-128 printable characters without spaces");
      }
      if (where.aws.nodeType === undefined && nodeTypeFor(redis.maxMemoryBytes) === undefined) {
        throw argsError("CacheTier", name, `cache "${args.cache.name}" asks for more memory than one ElastiCache node holds; lower redis.maxMemory or pass nodeType`);
      }
      if (where.aws.nodes !== undefined && (!Number.isInteger(where.aws.nodes) || where.aws.nodes < 1 || where.aws.nodes > 6)) {
        throw argsError("CacheTier", name, `nodes must be 1-6 (a primary and up to five replicas), got ${where.aws.nodes}`);
      }
    }

    this.docker = where.docker ? dockerCache(name, args.cache, where.docker, where.docker.image ?? Defaults.images.redis, args.tags, this) : undefined;
    this.aws = where.aws ? awsCache(name, args.cache, where.aws, args.tags, this) : undefined;
    this.password = this.docker?.password;
    this.url = this.aws
      ? pulumi.interpolate`rediss://${this.aws.replicationGroup.primaryEndpointAddress}:${redis.port}`
      : pulumi.output(`redis://${redis.host}:${redis.port}`);
    this.registerOutputs({ url: this.url });
  }
}

export { nodeTypeFor } from "../../src/plan/aws-sizes.js";
export { redisConfig, REDIS_CONFIG_PATH } from "./docker.js";
export type { AwsCacheArgs, AwsCacheResources, DockerCacheArgs, DockerCacheResources };
