/**
 * Header rewriting between client and backend (RFC 9110 §7.6): hop-by-hop
 * headers never cross the proxy, X-Forwarded-* / Forwarded are trusted only
 * from configured proxies, Via records this hop, and every request carries
 * an X-Request-Id.
 *
 * This runs on every request, so it works on Node's flat `rawHeaders` array
 * and produces the flat array undici and ServerResponse.writeHead accept,
 * lower-casing only names whose length could make them special.
 */
import { randomUUID } from "node:crypto";
import { effectiveScheme, requestIdentity, type RequestIdentity } from "./request-identity.js";

/** Why a header is handled specially; 0 = copied unchanged. */
const enum Kind {
  Plain = 0,
  HopByHop,
  Host,
  Connection,
  Via,
  Forwarded,
  XForwardedFor,
  XForwardedProto,
  XForwardedHost,
  XRealIp,
  RequestId,
  Expect,
  ContentLength,
  TransferEncoding,
}

/**
 * Classifies a request header name (any case). The length switch keeps the
 * common case (a name that cannot be special) free of allocations.
 */
function classify(name: string): Kind {
  switch (name.length) {
    case 2:
      return name.toLowerCase() === "te" ? Kind.HopByHop : Kind.Plain;
    case 3:
      return name.toLowerCase() === "via" ? Kind.Via : Kind.Plain;
    case 4:
      return name.toLowerCase() === "host" ? Kind.Host : Kind.Plain;
    case 6:
      return name.toLowerCase() === "expect" ? Kind.Expect : Kind.Plain;
    case 7: {
      const l = name.toLowerCase();
      return l === "upgrade" || l === "trailer" ? Kind.HopByHop : Kind.Plain;
    }
    case 9: {
      const l = name.toLowerCase();
      return l === "forwarded" ? Kind.Forwarded : l === "x-real-ip" ? Kind.XRealIp : Kind.Plain;
    }
    case 10: {
      const l = name.toLowerCase();
      return l === "connection" ? Kind.Connection : l === "keep-alive" ? Kind.HopByHop : Kind.Plain;
    }
    case 12:
      return name.toLowerCase() === "x-request-id" ? Kind.RequestId : Kind.Plain;
    case 14: {
      const l = name.toLowerCase();
      return l === "content-length" ? Kind.ContentLength : l === "http2-settings" ? Kind.HopByHop : Kind.Plain;
    }
    case 15:
      return name.toLowerCase() === "x-forwarded-for" ? Kind.XForwardedFor : Kind.Plain;
    case 16: {
      const l = name.toLowerCase();
      return l === "x-forwarded-host" ? Kind.XForwardedHost : l === "proxy-connection" ? Kind.HopByHop : Kind.Plain;
    }
    case 17: {
      const l = name.toLowerCase();
      return l === "x-forwarded-proto" ? Kind.XForwardedProto : l === "transfer-encoding" ? Kind.TransferEncoding : Kind.Plain;
    }
    case 18:
      return name.toLowerCase() === "proxy-authenticate" ? Kind.HopByHop : Kind.Plain;
    case 19:
      return name.toLowerCase() === "proxy-authorization" ? Kind.HopByHop : Kind.Plain;
    default:
      return Kind.Plain;
  }
}

/** True for the fixed hop-by-hop headers of a lower-case response header name. */
export function isHopByHopLower(name: string): boolean {
  switch (name.length) {
    case 2:
      return name === "te";
    case 7:
      return name === "upgrade" || name === "trailer";
    case 10:
      return name === "connection" || name === "keep-alive";
    case 16:
      return name === "proxy-connection";
    case 17:
      return name === "transfer-encoding";
    case 18:
      return name === "proxy-authenticate";
    case 19:
      return name === "proxy-authorization";
    case 25:
      return name === "proxy-authentication-info";
    default:
      return false;
  }
}

/**
 * Header names a Connection header lists (RFC 9110 §7.6.1), lower-cased,
 * without the connection options "close" and "keep-alive" that name no header.
 * Undefined when it lists none, which is almost always.
 */
export function connectionTokens(value: string | string[] | undefined, into?: Set<string>): Set<string> | undefined {
  if (value === undefined) return into;
  const text = typeof value === "string" ? value : value.join(",");
  let set = into;
  for (const part of text.split(",")) {
    const token = part.trim().toLowerCase();
    if (token === "" || token === "close" || token === "keep-alive") continue;
    (set ??= new Set()).add(token);
  }
  return set;
}

/** What the forwarder needs to know about how to rewrite headers for one listener. */
export interface ForwardingIdentity {
  /** `1.1 <name>`: this proxy's Via entry (changes when a reload renames the topology). */
  via: string;
  /** Scheme the client used on this listener. */
  readonly proto: "http" | "https";
  /** Strict-Transport-Security value an https listener sends (replacing the origin's). */
  hsts?: string | undefined;
}

/** The result of rewriting a request's headers. */
export interface ForwardedRequest {
  /** Flat [name, value, …] for the backend. */
  headers: string[];
  requestId: string;
  /** The one identity routing, the cache key and the upstream request use (undefined when invalid). */
  identity: RequestIdentity | undefined;
  /** Whether a body follows (Content-Length > 0 or Transfer-Encoding). */
  hasBody: boolean;
  /** Set when the request must be refused: the message to answer 400 with. */
  invalid?: string;
}

/** A request id we pass on: printable ASCII, bounded, so it is safe in logs and headers. */
const REQUEST_ID = /^[\x21-\x7e]{1,200}$/;

/**
 * Rewrites a client request's headers for the backend and computes the
 * request's identity (see http/request-identity.ts) from its target, Host
 * and trusted X-Forwarded-Proto: Host, X-Forwarded-Host, X-Forwarded-Proto
 * and Forwarded are all written from that identity.
 *
 * `peer` is the client's address as this proxy sees it; `trusted` says
 * whether that peer is a configured trusted proxy, in which case its
 * X-Forwarded-For / X-Real-IP / Forwarded values are extended or kept
 * rather than replaced, and its X-Forwarded-Proto is believed.
 *
 * Header names with an underscore are dropped (as nginx does by default):
 * servers that map `X_Foo` and `X-Foo` to the same variable would otherwise
 * see a header this proxy did not recognise (`Transfer_Encoding`).
 */
export function forwardRequestHeaders(raw: readonly string[], target: string, peer: string, trusted: boolean, identity: ForwardingIdentity): ForwardedRequest {
  const out: string[] = [];
  let host: string | undefined;
  let via: string | undefined;
  let xff: string | undefined;
  let xRealIp: string | undefined;
  let xfProto: string | undefined;
  let forwarded: string | undefined;
  let requestId: string | undefined;
  let nominated: Set<string> | undefined;
  let invalid: string | undefined;
  let hasBody = false;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const value = raw[i + 1]!;
    switch (classify(name)) {
      case Kind.Plain:
        if (name.indexOf("_") < 0) out.push(name, value);
        break;
      case Kind.ContentLength:
        // Node's parser already refused malformed or conflicting lengths.
        if (value !== "0") hasBody = true;
        out.push(name, value);
        break;
      // The body is re-framed towards the backend (undici chunks it), so the coding is hop-by-hop.
      case Kind.TransferEncoding:
        hasBody = true;
        // Other codings would reach the backend unannounced once the framing is removed (nginx answers 501 too).
        if (value.toLowerCase() !== "chunked") invalid = `unsupported Transfer-Encoding "${value}"`;
        break;
      case Kind.Host:
        if (host !== undefined) invalid = "more than one Host header";
        host = value;
        break;
      case Kind.Connection:
        nominated = connectionTokens(value, nominated);
        break;
      case Kind.Via:
        via = via === undefined ? value : `${via}, ${value}`;
        break;
      case Kind.XForwardedFor:
        if (trusted) xff = xff === undefined ? value : `${xff}, ${value}`;
        break;
      case Kind.XForwardedProto:
        if (trusted) xfProto = value;
        break;
      // Always written from the identity: the origin must see the authority that was routed and keyed.
      case Kind.XForwardedHost:
        break;
      case Kind.XRealIp:
        if (trusted) xRealIp ??= value;
        break;
      case Kind.Forwarded:
        if (trusted) forwarded = forwarded === undefined ? value : `${forwarded}, ${value}`;
        break;
      case Kind.RequestId:
        if (requestId === undefined && REQUEST_ID.test(value)) requestId = value;
        break;
      // Node answered Expect: 100-continue itself; the backend gets a plain request.
      case Kind.Expect:
      case Kind.HopByHop:
        break;
    }
  }
  if (nominated !== undefined) removeNominated(out, nominated);
  requestId ??= randomUUID();
  let id: RequestIdentity | undefined;
  if (invalid === undefined) {
    const scheme = effectiveScheme(xfProto, identity.proto);
    const found = typeof scheme === "object" ? scheme.invalid : requestIdentity(target, host, scheme);
    if (typeof found === "string") invalid = found;
    else id = found;
  }
  if (id === undefined) return { headers: out, requestId, identity: undefined, hasBody, invalid: invalid! };
  const client = unmapIPv4(peer);
  out.push("host", id.authority);
  out.push("x-forwarded-for", xff === undefined ? client : `${xff}, ${client}`);
  out.push("x-real-ip", xRealIp ?? client);
  out.push("x-forwarded-proto", id.scheme);
  out.push("x-forwarded-host", id.authority);
  const element = forwardedElement(client, id.authority, id.scheme);
  out.push("forwarded", forwarded === undefined ? element : `${forwarded}, ${element}`);
  out.push("via", via === undefined ? identity.via : `${via}, ${identity.via}`);
  out.push("x-request-id", requestId);
  return { headers: out, requestId, identity: id, hasBody };
}

/** Drops headers the client's Connection header nominated as hop-by-hop (rare: a slow path is fine). */
function removeNominated(out: string[], nominated: Set<string>): void {
  let w = 0;
  for (let r = 0; r < out.length; r += 2) {
    if (nominated.has(out[r]!.toLowerCase())) continue;
    out[w++] = out[r]!;
    out[w++] = out[r + 1]!;
  }
  out.length = w;
}

/**
 * Copies a backend response's headers (undici's parsed, lower-cased object)
 * into a flat array for ServerResponse.writeHead, minus hop-by-hop ones,
 * plus Via and X-Request-Id.
 */
export function forwardResponseHeaders(headers: Record<string, string | string[] | undefined>, identity: ForwardingIdentity, requestId: string): string[] {
  const out: string[] = [];
  const connection = headers["connection"];
  const nominated = connection === undefined ? undefined : connectionTokens(connection);
  let via: string | undefined;
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || isHopByHopLower(name)) continue;
    if (nominated !== undefined && nominated.has(name)) continue;
    if (name === "via") {
      via = typeof value === "string" ? value : value.join(", ");
      continue;
    }
    if (name === "x-request-id") continue;
    if (name === "strict-transport-security" && identity.hsts !== undefined) continue;
    if (typeof value === "string") out.push(name, value);
    else for (const v of value) out.push(name, v);
  }
  out.push("via", via === undefined ? identity.via : `${via}, ${identity.via}`);
  out.push("x-request-id", requestId);
  if (identity.hsts !== undefined) out.push("strict-transport-security", identity.hsts);
  return out;
}

/** The last element built: consecutive requests mostly come from the same client for the same host. */
let lastElement = { client: "", host: "", proto: "", value: "" };

/** One RFC 7239 element for this hop: `for=…;host=…;proto=…`, quoting what is not a token. */
export function forwardedElement(client: string, host: string, proto: string): string {
  const last = lastElement;
  if (last.client === client && last.host === host && last.proto === proto) return last.value;
  const forValue = client.includes(":") ? `"[${client}]"` : client;
  const value = `for=${forValue};host=${quoteIfNeeded(host)};proto=${proto}`;
  lastElement = { client, host, proto, value };
  return value;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function quoteIfNeeded(value: string): string {
  return TOKEN.test(value) ? value : `"${value.replace(/["\\]/g, "\\$&")}"`;
}

/** "::ffff:10.0.0.1" → "10.0.0.1": how a dual-stack socket reports an IPv4 client. */
export function unmapIPv4(address: string): string {
  return address.length > 7 && address.startsWith("::ffff:") && address.includes(".") ? address.slice(7) : address;
}

/** `1.1 <name>` with the name reduced to token characters, as Via requires. */
export function viaValue(name: string): string {
  const pseudonym = name.replace(/[^!#$%&'*+.^_`|~0-9A-Za-z-]/g, "-") || "edgeform";
  return `1.1 ${pseudonym}`;
}

/** A backend response's headers without hop-by-hop ones: what the cache may store and replay. */
export function endToEndHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const connection = headers["connection"];
  const nominated = connection === undefined ? undefined : connectionTokens(connection);
  const out: Record<string, string | string[]> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || isHopByHopLower(name) || nominated?.has(name)) continue;
    out[name] = value;
  }
  return out;
}

/** Replaces (or adds) headers in a flat request header list; names are matched case-insensitively. */
export function withHeaders(flat: readonly string[], extra: Record<string, string>): string[] {
  const names = new Set(Object.keys(extra).map((k) => k.toLowerCase()));
  const out: string[] = [];
  for (let i = 0; i < flat.length; i += 2) {
    if (!names.has(flat[i]!.toLowerCase())) out.push(flat[i]!, flat[i + 1]!);
  }
  for (const [k, v] of Object.entries(extra)) out.push(k, v);
  return out;
}
