/** Static discovery: the endpoints listed in the config, as they are. */
import type { Backend } from "../contracts.js";
import type { EndpointConfig } from "../../../plan/proxy-config.js";
import { createBackend } from "../backend.js";
import type { Discovery, DiscoveryResult } from "./discovery.js";

export class StaticDiscovery implements Discovery {
  readonly refreshMs = undefined;
  private readonly backends: Backend[];

  constructor(endpoints: readonly EndpointConfig[]) {
    this.backends = dedupe(endpoints.map((e) => createBackend(e.host, e.port, e.weight)));
  }

  discover(): Promise<DiscoveryResult> {
    return Promise.resolve({ backends: this.backends.slice(), errors: [] });
  }
}

/** First occurrence of each id wins: one address is one backend, however often it is listed. */
export function dedupe(backends: readonly Backend[]): Backend[] {
  const seen = new Set<string>();
  const out: Backend[] = [];
  for (const b of backends) {
    if (seen.has(b.id)) continue;
    seen.add(b.id);
    out.push(b);
  }
  return out;
}
