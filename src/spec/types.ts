/** TypeScript types of the spec, derived from the one schema definition. */
import type { Static } from "@sinclair/typebox";
import type * as S from "./schema.js";

export type Topology = Static<typeof S.TopologySchema>;
export type FleetSpec = Static<typeof S.Fleet>;
export type EdgeSpec = Static<typeof S.Edge>;
export type ListenerSpec = Static<typeof S.Listener>;
export type RouteSpec = Static<typeof S.Route>;
export type MatchSpec = Static<typeof S.Match>;
export type BalancerSpec = Static<typeof S.Balancer>;
export type RetrySpec = Static<typeof S.Retry>;
export type TimeoutsSpec = Static<typeof S.Timeouts>;
export type HealthCheckSpec = Static<typeof S.HealthCheck>;
export type OutlierDetectionSpec = Static<typeof S.OutlierDetection>;
export type CacheSpec = Static<typeof S.Cache>;
export type MonitoringSpec = Static<typeof S.Monitoring>;
export type SloSpec = Static<typeof S.Slo>;
export type AlertmanagerSpec = Static<typeof S.Alertmanager>;
export type AlertReceiverSpec = Static<typeof S.AlertReceiver>;
export type TargetSpec = Static<typeof S.Target>;
export type DockerTargetSpec = Static<typeof S.DockerTarget>;
export type AwsTargetSpec = Static<typeof S.AwsTarget>;
export type SecretRefSpec = Static<typeof S.SecretRef>;
export type EndpointSpec = Static<typeof S.Endpoint>;
export type Algorithm = (typeof S.Algorithms)[number];
export type RetryCondition = (typeof S.RetryConditions)[number] | number;
