/**
 * DNS discovery: every A/AAAA record of each configured host is one backend
 * (Docker network aliases and AWS Cloud Map put every replica behind one
 * name), with the host entry's port and weight.
 *
 * A host whose lookup fails (or returns nothing) keeps its last known
 * records: a DNS hiccup must not empty a healthy fleet. Active health checks
 * are what take a vanished replica out of rotation.
 */
import { promises as dns } from "node:dns";
import type { Backend } from "../contracts.js";
import type { EndpointConfig } from "../../../plan/proxy-config.js";
import { EdgeformError } from "../../../errors.js";
import { createBackend } from "../backend.js";
import type { Discovery, DiscoveryResult, Lookup } from "./discovery.js";
import { dedupe } from "./static.js";

export const systemLookup: Lookup = async (host) => {
  const records = await dns.lookup(host, { all: true });
  return records.map((r) => ({ address: r.address, family: r.family === 6 ? 6 : 4 }));
};

export class DnsDiscovery implements Discovery {
  readonly refreshMs: number;
  /** Last good records per host entry (same index as `hosts`). */
  private readonly known: Array<Backend[]>;

  constructor(
    private readonly hosts: readonly EndpointConfig[],
    refreshMs: number,
    private readonly lookup: Lookup = systemLookup,
  ) {
    this.refreshMs = refreshMs;
    this.known = hosts.map(() => []);
  }

  async discover(): Promise<DiscoveryResult> {
    const errors: Error[] = [];
    await Promise.all(
      this.hosts.map(async (entry, i) => {
        try {
          const records = await this.lookup(entry.host);
          if (records.length === 0) throw new Error("no A/AAAA records");
          this.known[i] = sortRecords(records).map((r) => createBackend(r.address, entry.port, entry.weight));
        } catch (err) {
          errors.push(
            new EdgeformError("EF_PROXY_DISCOVERY", `DNS lookup of "${entry.host}" failed: ${(err as Error)?.message ?? String(err)}; keeping ${this.known[i]!.length} known backend(s)`, {
              hint: "check that the name resolves from the proxy (docker network alias, Cloud Map service, /etc/hosts)",
              cause: err,
            }),
          );
        }
      }),
    );
    return { backends: dedupe(this.known.flat()), errors };
  }
}

/** IPv4 before IPv6, then by address, so a reordered answer is not a change. */
function sortRecords(records: ReadonlyArray<{ address: string; family: 4 | 6 }>): Array<{ address: string; family: 4 | 6 }> {
  return [...records].sort((a, b) => a.family - b.family || (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
}
