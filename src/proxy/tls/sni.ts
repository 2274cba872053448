/**
 * Which certificate answers a TLS ClientHello's server name: an exact name
 * first, then a wildcard covering exactly one label (RFC 6125 §6.4.3, as
 * browsers check it), else the listener's default (its first certificate).
 */
export interface NamedEntry<T> {
  /** Lower-case DNS names from the certificate (subjectAltName, else the CN); "*.example.com" for wildcards. */
  readonly names: readonly string[];
  readonly value: T;
}

export class SniTable<T> {
  private readonly exact = new Map<string, T>();
  private readonly wildcard = new Map<string, T>();

  constructor(
    entries: ReadonlyArray<NamedEntry<T>>,
    readonly fallback: T,
  ) {
    // Earlier certificates win a name they share with later ones.
    for (const e of entries) {
      for (const name of e.names) {
        const table = name.startsWith("*.") ? this.wildcard : this.exact;
        const key = name.startsWith("*.") ? name.slice(2) : name;
        if (!table.has(key)) table.set(key, e.value);
      }
    }
  }

  select(serverName: string | undefined): T {
    if (serverName === undefined || serverName === "") return this.fallback;
    const name = serverName.toLowerCase().replace(/\.$/, "");
    const hit = this.exact.get(name);
    if (hit !== undefined) return hit;
    const dot = name.indexOf(".");
    return (dot > 0 ? this.wildcard.get(name.slice(dot + 1)) : undefined) ?? this.fallback;
  }
}

/** DNS names a certificate is valid for, from node:crypto's subjectAltName text ("DNS:a, IP Address:1.2.3.4"). */
export function certificateNames(subjectAltName: string | undefined, subject: string): string[] {
  const dns = (subjectAltName ?? "")
    .split(/,\s*/)
    .filter((s) => s.startsWith("DNS:"))
    .map((s) => s.slice(4).toLowerCase());
  if (dns.length > 0) return dns;
  const cn = /(?:^|\n)CN=([^\n]+)/.exec(subject)?.[1];
  return cn === undefined ? [] : [cn.toLowerCase()];
}
