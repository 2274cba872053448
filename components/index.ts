/**
 * edgeform's Pulumi components (`import { CdnTopology } from "edgeform/components"`).
 * Built from raw @pulumi/docker and @pulumi/aws resources, so Pulumi's mocks
 * and previews see every resource.
 */
export { CdnTopology, type CdnTopologyArgs, type ExistingInfrastructure } from "./topology.js";
export { BackendFleet, type BackendFleetArgs, type AwsFleetArgs, type DockerFleetArgs } from "./backend-fleet/index.js";
export { EdgeProxy, type EdgeProxyArgs, type AwsEdgeArgs, type DockerEdgeArgs, type ExistingAlbListener } from "./edge-proxy/index.js";
export { CacheTier, REDIS_AUTH_SECRET, nodeTypeFor, redisConfig, type CacheTierArgs, type AwsCacheArgs, type DockerCacheArgs } from "./cache-tier/index.js";
export { Monitoring, type MonitoringArgs, type AwsMonitoringArgs, type DockerMonitoringArgs, type GrafanaPublishing } from "./monitoring/index.js";
export { AwsFoundation, type AwsFoundationArgs } from "./foundation/index.js";
export { secretsNeeded, resolveSecrets } from "./secrets.js";
export type { EcsPlacement } from "./shared/ecs.js";
export type { SecretValues } from "./shared/secrets.js";
export type { Tags } from "./shared/tags.js";
export { loadSpec } from "../src/spec/load-spec.js";
