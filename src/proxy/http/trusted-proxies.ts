/**
 * The configured trusted proxies (CIDRs or addresses): only a peer in this
 * set may tell us who the client is via X-Forwarded-* / Forwarded.
 */
import { BlockList, isIP } from "node:net";
import { EdgeformError } from "../../errors.js";
import { unmapIPv4 } from "./headers.js";

export class TrustedProxies {
  private readonly list: BlockList | undefined;
  /** Peers seen recently: the same few client addresses send most requests. */
  private readonly seen = new Map<string, boolean>();

  constructor(cidrs: readonly string[]) {
    if (cidrs.length === 0) return;
    const list = new BlockList();
    for (const cidr of cidrs) addCidr(list, cidr);
    this.list = list;
  }

  has(address: string): boolean {
    const list = this.list;
    if (list === undefined) return false;
    let trusted = this.seen.get(address);
    if (trusted === undefined) {
      const plain = unmapIPv4(address);
      const family = isIP(plain);
      trusted = family !== 0 && list.check(plain, family === 6 ? "ipv6" : "ipv4");
      if (this.seen.size >= 4096) this.seen.clear();
      this.seen.set(address, trusted);
    }
    return trusted;
  }
}

function addCidr(list: BlockList, cidr: string): void {
  const [address, bits] = cidr.split("/");
  const family = isIP(address ?? "");
  const max = family === 6 ? 128 : 32;
  const prefix = bits === undefined ? max : Number(bits);
  if (family === 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > max) {
    throw new EdgeformError("EF_PROXY_CONFIG", `trustedProxies entry "${cidr}" is not an IP address or CIDR`, {
      hint: 'write addresses like "10.0.0.0/8", "192.168.1.10" or "fd00::/8"',
    });
  }
  list.addSubnet(address!, prefix, family === 6 ? "ipv6" : "ipv4");
}
