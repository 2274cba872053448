/**
 * A request's identity, computed once where a parsed request becomes one the
 * proxy routes: the scheme the origin is told, the validated authority, and
 * the normalised target. Routing, the cache key, the upstream request line
 * and Host / X-Forwarded-Host / X-Forwarded-Proto / Forwarded all read this
 * one value, so none of them can be made to disagree with another (the root
 * of cache poisoning and route-bypass tricks). A request without a single
 * clear identity is refused with 400 before any byte is forwarded.
 */
import { clip, parseAuthority } from "./authority.js";
import { normalizeTarget } from "./target.js";

export type Scheme = "http" | "https";

export interface RequestIdentity {
  /** The scheme the origin is told (X-Forwarded-Proto) and the cache keys on. */
  readonly scheme: Scheme;
  /** Lower-case host without port: what routes match. */
  readonly host: string;
  /** Host plus a non-default port: the upstream Host and the cache key's authority. */
  readonly authority: string;
  /** Normalised origin-form path + query: routed, keyed and sent upstream. */
  readonly target: string;
  /** Index of "?" in `target`, or its length. */
  readonly pathEnd: number;
}

/**
 * The identity of a request with target `rawTarget` and Host header `host`
 * (undefined when absent), or the reason to refuse it.
 */
export function requestIdentity(rawTarget: string, host: string | undefined, scheme: Scheme): RequestIdentity | string {
  if (host === undefined) return "the request has no Host header; the proxy routes by Host, so send one (HTTP/1.0 too)";
  const fromHost = parseAuthority(host, scheme);
  if (typeof fromHost === "string") return fromHost;
  if (rawTarget.charCodeAt(0) === 0x2f /* / */) {
    const t = normalizeTarget(rawTarget);
    if (typeof t === "string") return t;
    return { scheme, host: fromHost.host, authority: fromHost.authority, target: t.target, pathEnd: t.pathEnd };
  }
  return absoluteForm(rawTarget, scheme);
}

const ABSOLUTE = /^(https?):\/\/([^/?#]*)(.*)$/is;

/** RFC 9112 §3.2.2: the target's authority replaces Host (which was still checked to be valid). */
function absoluteForm(rawTarget: string, scheme: Scheme): RequestIdentity | string {
  const m = ABSOLUTE.exec(rawTarget);
  if (m === null) return `the request target "${clip(rawTarget)}" is neither a path nor an absolute http(s) URL`;
  if (m[1]!.toLowerCase() !== scheme) return `the request target's scheme "${m[1]!.toLowerCase()}" is not the scheme of this connection ("${scheme}")`;
  const rawAuthority = m[2]!;
  if (rawAuthority.includes("@")) return "the request target has userinfo (user@host), which is refused";
  const authority = parseAuthority(rawAuthority, scheme);
  if (typeof authority === "string") return `in the request target: ${authority}`;
  const rest = m[3]!;
  const t = normalizeTarget(rest === "" ? "/" : rest.charCodeAt(0) === 0x2f ? rest : `/${rest}`);
  if (typeof t === "string") return t;
  return { scheme, host: authority.host, authority: authority.authority, target: t.target, pathEnd: t.pathEnd };
}

/**
 * The scheme the origin is told: the listener's, or the first entry of an
 * X-Forwarded-Proto a trusted proxy sent (the client's own scheme); any
 * other value there is refused rather than guessed at.
 */
export function effectiveScheme(trustedProto: string | undefined, listener: Scheme): Scheme | { invalid: string } {
  if (trustedProto === undefined) return listener;
  const comma = trustedProto.indexOf(",");
  const first = (comma < 0 ? trustedProto : trustedProto.slice(0, comma)).trim().toLowerCase();
  if (first === "http" || first === "https") return first;
  return { invalid: `X-Forwarded-Proto "${clip(trustedProto)}" from a trusted proxy is neither http nor https` };
}
