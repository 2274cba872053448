/**
 * Monitoring plan: prometheus.yml, alert rules and Grafana provisioning,
 * generated from the topology. (First version; see issue 5 for the full set.)
 */
import type { Topology } from "../../spec/types.js";
import type { DevAddresses } from "../plan.js";
import type { PlannedCache, PlannedEdge, PlannedMonitoring, Provider } from "../types.js";

export interface MonitoringContext {
  provider: Provider;
  prefix: string;
  edge: PlannedEdge;
  caches: PlannedCache[];
  dev: DevAddresses;
  images: { prometheus?: string; grafana?: string };
}

export function planMonitoring(_topology: Topology, _ctx: MonitoringContext): PlannedMonitoring {
  return {};
}
