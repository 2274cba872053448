/**
 * Cache keys. A primary key is the target URI the origin is sent: the
 * scheme it is told, the authority (lower-case host, plus a non-default
 * port), the path, and the query kept, sorted or dropped per route. The
 * proxy normalised the target once (http/target.ts) and forwards that form,
 * so the key and the origin read the same bytes. Nothing else from the
 * request goes in: headers that change the response must be named by the
 * origin's Vary (handled per variant), so an unkeyed header can never select
 * what is stored for everyone (cache poisoning).
 */
import { createHash } from "node:crypto";
import { EdgeformError } from "../../errors.js";
import type { RouteCacheConfig } from "../../plan/proxy-config.js";
import { normalizeTarget } from "../http/target.js";

export type KeyQuery = RouteCacheConfig["keyQuery"];

/** Separates a primary key from a variant signature; cannot occur in a normalised URL. */
export const VARIANT_SEPARATOR = "\0";

const UNRESERVED = /[A-Za-z0-9\-._~]/;

/** Upper-case percent-encoding hex and decode unreserved characters. */
export function normalizePercentEncoding(s: string): string {
  if (!s.includes("%")) return s;
  return s.replace(/%([0-9A-Fa-f]{2})/g, (_m, hex: string) => {
    const ch = String.fromCharCode(parseInt(hex, 16));
    return UNRESERVED.test(ch) ? ch : `%${hex.toUpperCase()}`;
  });
}

export function normalizeQuery(query: string, mode: KeyQuery): string {
  if (mode === "ignore" || query === "") return "";
  const q = normalizePercentEncoding(query);
  if (mode === "keep") return `?${q}`;
  const params = q.split("&").filter((p) => p !== "");
  if (params.length === 0) return "";
  // Sort by name only, and stably: `?b=1&a=2` and `?a=2&b=1` share an entry, but `?a=1&a=2` and
  // `?a=2&a=1` do not (the order of repeated names is meaningful to most frameworks).
  params.sort(byParamName);
  return `?${params.join("&")}`;
}

function paramName(p: string): string {
  const eq = p.indexOf("=");
  return eq < 0 ? p : p.slice(0, eq);
}

function byParamName(a: string, b: string): number {
  const x = paramName(a);
  const y = paramName(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * The primary key for a request target, or undefined when the target is not
 * origin-form (e.g. `*` or absolute-form), which the cache then bypasses.
 */
export function primaryKey(scheme: string, host: string, target: string, mode: KeyQuery): string | undefined {
  if (!target.startsWith("/") || target.includes(VARIANT_SEPARATOR)) return undefined;
  const hash = target.indexOf("#");
  const t = hash >= 0 ? target.slice(0, hash) : target;
  const q = t.indexOf("?");
  const path = q >= 0 ? t.slice(0, q) : t;
  const query = q >= 0 ? t.slice(q + 1) : "";
  return `${scheme.toLowerCase()}://${host.toLowerCase()}${normalizePercentEncoding(path)}${normalizeQuery(query, mode)}`;
}

/** The key of one variant: primary key plus a digest of its Vary names and request values. */
export function variantKey(primary: string, names: readonly string[], values: readonly (string | null)[]): string {
  const h = createHash("sha256");
  for (let i = 0; i < names.length; i++) {
    h.update(names[i]!);
    h.update("\n");
    // Absent and empty are different selections (RFC 9111 §4.1).
    h.update(values[i] === null ? "\u0001" : `=${values[i]}`);
    h.update("\n");
  }
  return `${primary}${VARIANT_SEPARATOR}${h.digest("base64url").slice(0, 22)}`;
}

// ── purge selectors ─────────────────────────────────────────────────────────

export interface PurgeSelector {
  url?: string;
  prefix?: string;
  surrogateKey?: string;
}

export type PurgePlan =
  | { kind: "urls"; primaryKeys: string[] }
  | { kind: "prefix"; prefixes: string[] }
  | { kind: "tag"; tag: string };

/**
 * Turns an admin purge selector into keys. A URL or prefix without a scheme
 * (`example.com/a`) covers http and https; a URL's query is matched both as
 * given and sorted, so it purges whichever form the route stores.
 */
export function planPurge(selector: PurgeSelector): PurgePlan {
  const given = (["url", "prefix", "surrogateKey"] as const).filter((k) => selector[k] !== undefined);
  if (given.length !== 1) {
    throw new EdgeformError("EF_PROXY_CACHE_PURGE", `a purge needs exactly one of url, prefix or surrogateKey; got ${given.length ? given.join(", ") : "none"}`, {
      hint: 'send e.g. {"url":"https://example.com/a"}, {"prefix":"https://example.com/static/"} or {"surrogateKey":"product-42"}',
    });
  }
  if (selector.surrogateKey !== undefined) {
    const tag = String(selector.surrogateKey).trim();
    if (tag === "" || /\s/.test(tag)) {
      throw new EdgeformError("EF_PROXY_CACHE_PURGE", `surrogate key ${JSON.stringify(selector.surrogateKey)} is empty or contains whitespace`, {
        hint: "purge one key at a time, as it appears in the Surrogate-Key or Cache-Tag response header",
      });
    }
    return { kind: "tag", tag };
  }
  if (selector.url !== undefined) {
    const keys = new Set<string>();
    for (const { scheme, host, target } of splitUrl(String(selector.url), "url")) {
      for (const mode of ["keep", "sort"] as const) {
        const k = primaryKey(scheme, host, target, mode);
        if (k) keys.add(k);
      }
    }
    return { kind: "urls", primaryKeys: [...keys] };
  }
  const prefixes = new Set<string>();
  for (const { scheme, host, target } of splitUrl(String(selector.prefix), "prefix")) {
    // A bare host means every path on it: "example.com" → "http(s)://example.com/".
    prefixes.add(`${scheme}://${host}${normalizePercentEncoding(target)}`);
  }
  return { kind: "prefix", prefixes: [...prefixes] };
}

function splitUrl(raw: string, what: "url" | "prefix"): Array<{ scheme: string; host: string; target: string }> {
  const m = /^(?:([a-zA-Z][a-zA-Z0-9+.-]*):\/\/)?([^/?#\s]+)([^#\s]*)$/.exec(raw.trim());
  const scheme = m?.[1]?.toLowerCase();
  if (!m || (scheme !== undefined && scheme !== "http" && scheme !== "https")) {
    throw new EdgeformError("EF_PROXY_CACHE_PURGE", `purge ${what} ${JSON.stringify(raw)} is not an http(s) URL with a host`, {
      hint: `give the full URL, e.g. "https://example.com/static/" (without a scheme both http and https are purged)`,
    });
  }
  const given = m[3] === "" ? "/" : m[3]!;
  if (!given.startsWith("/")) {
    throw new EdgeformError("EF_PROXY_CACHE_PURGE", `purge ${what} ${JSON.stringify(raw)} has no path`, { hint: 'add a path, e.g. "https://example.com/"' });
  }
  // Stored keys hold the normal form of the target the proxy forwarded; a purge names it the same way.
  const normal = normalizeTarget(given);
  const target = typeof normal === "string" ? given : normal.target;
  // Keys carry the authority as the origin is sent it: a non-default port stays, the scheme's default goes.
  return (scheme ? [scheme] : ["http", "https"]).map((s) => ({ scheme: s, host: keyAuthority(m[2]!.toLowerCase(), s), target }));
}

function keyAuthority(authority: string, scheme: string): string {
  const defaultPort = scheme === "https" ? ":443" : ":80";
  return authority.endsWith(defaultPort) ? authority.slice(0, -defaultPort.length) : authority;
}
