/**
 * The proxy's upstream layer: discovery (who the backends are), health
 * (which are usable), selection (in what order to try them), and the retry
 * budget. The forwarder uses Fleet + createSelector + extractHashKey +
 * RetryBudget; the rest is exported for tests and tools.
 */
export { Fleet, type FleetEvents, type FleetOptions } from "./fleet.js";
export { backendId, createBackend } from "./backend.js";
export { buildSnapshot } from "./snapshot.js";
export { extractHashKey, type HashKeyRequest } from "./hash-key.js";
export { RetryBudget, type RetryBudgetConfig } from "./retry-budget.js";
export { createDiscovery, DnsDiscovery, StaticDiscovery, systemLookup, type Discovery, type DiscoveryResult, type Lookup } from "./discovery/index.js";
export { createHttpProbe, statusExpected, type HttpProbeConfig } from "./health/active-http.js";
export { createTcpProbe } from "./health/active-tcp.js";
export { ActiveHealthChecker } from "./health/active-checker.js";
export { ejectionDuration, OutlierDetector } from "./health/passive.js";
export { ConsecutiveThreshold, type ThresholdConfig } from "./health/thresholds.js";
export type { Probe, ProbeResult } from "./health/probe.js";
export * from "./selection/index.js";
