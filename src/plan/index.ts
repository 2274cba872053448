/** The plan API: Topology + target → DeploymentPlan (pure). */
export { planDeployment, planHealthCheck, parseStatusRanges, secretEnvName, DEV_TARGET, type PlanOptions, type DevAddresses } from "./plan.js";
export type * from "./types.js";
export type * from "./proxy-config.js";
export type { PlannedTlsFile } from "./tls-files.js";
export { Metrics, type MetricName } from "./metric-names.js";
export { resourceName, shortHash, NameLimits } from "./naming.js";
export { Defaults } from "./defaults.js";
