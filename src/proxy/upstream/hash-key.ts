/**
 * The consistent-hash key of a request, per the balancer's `hashKey`:
 * "header:<name>" | "cookie:<name>" | "path" | "client-ip". Undefined when
 * the request has no such value (the selector then spreads it at random).
 */

export interface HashKeyRequest {
  headers: Record<string, string | string[] | undefined>;
  url?: string;
  remoteAddress?: string;
}

export function extractHashKey(spec: string | undefined, req: HashKeyRequest): string | undefined {
  if (spec === undefined) return undefined;
  if (spec === "path") return req.url === undefined ? undefined : pathOf(req.url);
  if (spec === "client-ip") return req.remoteAddress === undefined ? undefined : unmapIPv4(req.remoteAddress);
  if (spec.startsWith("header:")) return nonEmpty(joinHeader(req.headers[spec.slice(7).toLowerCase()], ","));
  if (spec.startsWith("cookie:")) {
    const cookies = joinHeader(req.headers["cookie"], "; ");
    return cookies === undefined ? undefined : nonEmpty(cookieValue(cookies, spec.slice(7)));
  }
  return undefined;
}

function joinHeader(value: string | string[] | undefined, separator: string): string | undefined {
  if (value === undefined) return undefined;
  return typeof value === "string" ? value : value.join(separator);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}

/** The path of an origin-form or absolute-form target, without query or fragment. */
function pathOf(url: string): string {
  let start = 0;
  if (!url.startsWith("/")) {
    const scheme = url.indexOf("://");
    if (scheme >= 0) {
      const slash = url.indexOf("/", scheme + 3);
      if (slash < 0) return "/";
      start = slash;
    }
  }
  let end = url.length;
  const q = url.indexOf("?", start);
  if (q >= 0) end = q;
  const h = url.indexOf("#", start);
  if (h >= 0 && h < end) end = h;
  return url.slice(start, end) || "/";
}

/** "::ffff:10.0.0.1" → "10.0.0.1": the same client over v4 or v4-mapped v6 hashes alike. */
function unmapIPv4(address: string): string {
  return address.startsWith("::ffff:") && address.includes(".") ? address.slice(7) : address;
}

/** Value of cookie `name` in a Cookie header (RFC 6265 §5.4 syntax), unquoted. */
function cookieValue(header: string, name: string): string | undefined {
  for (const pair of header.split(";")) {
    const eq = pair.indexOf("=");
    if (eq < 0) continue;
    if (pair.slice(0, eq).trim() !== name) continue;
    const value = pair.slice(eq + 1).trim();
    return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
  }
  return undefined;
}
