/** Builds the discovery a fleet config asks for. */
import type { DiscoveryConfig } from "../../../plan/proxy-config.js";
import type { Discovery, Lookup } from "./discovery.js";
import { CloudMapDiscovery } from "./cloud-map.js";
import { DnsDiscovery } from "./dns.js";
import { StaticDiscovery } from "./static.js";

export type { Discovery, DiscoveryResult, Lookup } from "./discovery.js";
export { CloudMapDiscovery } from "./cloud-map.js";
export { DnsDiscovery, systemLookup } from "./dns.js";
export { StaticDiscovery } from "./static.js";

export function createDiscovery(config: DiscoveryConfig, options: { lookup?: Lookup } = {}): Discovery {
  switch (config.type) {
    case "static":
      return new StaticDiscovery(config.endpoints);
    case "dns":
      return new DnsDiscovery(config.hosts, config.refreshMs, options.lookup);
    case "cloudmap":
      return new CloudMapDiscovery(config);
  }
}
