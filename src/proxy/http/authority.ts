/**
 * Authority validation (RFC 9112 §3.2, RFC 3986 §3.2.2–3.2.3) for the Host
 * header and absolute-form targets. What passes is one canonical form that
 * routing, the cache key and every forwarded header use; anything else is
 * refused, because an origin that reflects Host would otherwise put an
 * attacker's value into a response cached for everyone.
 *
 * Policy: a DNS-style name (letters, digits, `-`, `_`, dots between
 * non-empty labels), an IPv4 address, or a bracketed IPv6 address (no zone
 * id, no IPvFuture); an optional numeric port 1–65535. No userinfo, no
 * percent-encoding, no comma, slash, quote or space. Lower-cased; one
 * trailing dot is dropped (a fully qualified name names the same host); the
 * scheme's default port is dropped (RFC 3986 §6.2.3).
 */
import { isIPv6 } from "node:net";

export interface Authority {
  /** Lower-case host without port: what routes match. */
  readonly host: string;
  /** host, plus ":port" when the port is not the scheme's default: what the origin and the cache key see. */
  readonly authority: string;
}

/** Longest host name DNS allows (RFC 1035 §2.3.4), plus room for an IPv6 literal's brackets. */
const MAX_HOST_LENGTH = 255;

/** Repeated requests mostly carry the same Host: remember the last answer per scheme. */
let lastInput = "";
let lastScheme = "";
let lastResult: Authority | string = "";

/**
 * The canonical authority, or a sentence saying why `value` is not one.
 * `scheme` decides which port is the default.
 */
export function parseAuthority(value: string, scheme: "http" | "https"): Authority | string {
  if (value === lastInput && scheme === lastScheme) return lastResult;
  const result = parse(value, scheme);
  lastInput = value;
  lastScheme = scheme;
  lastResult = result;
  return result;
}

function parse(value: string, scheme: "http" | "https"): Authority | string {
  if (value === "") return "the Host is empty";
  let hostEnd = value.length;
  let host: string;
  if (value.charCodeAt(0) === 0x5b /* [ */) {
    const close = value.indexOf("]");
    if (close < 0) return "an IPv6 literal in Host is missing its closing bracket";
    const literal = value.slice(1, close);
    // A zone id ("%25eth0") names an interface of one machine, never a site.
    if (literal.includes("%") || !isIPv6(literal)) return `"${clip(value)}" is not a valid IPv6 literal`;
    // One spelling per address, so "[0:0::1]" and "[::1]" route and key alike.
    host = `[${new URL(`http://[${literal}]/`).hostname.slice(1, -1)}]`;
    hostEnd = close + 1;
  } else {
    const colon = value.indexOf(":");
    if (colon >= 0) hostEnd = colon;
    const name = validName(value, hostEnd);
    if (typeof name !== "string") return name.reason;
    host = name;
  }
  let port = "";
  if (hostEnd < value.length) {
    if (value.charCodeAt(hostEnd) !== 0x3a /* : */) return `unexpected characters after the host in "${clip(value)}"`;
    const digits = value.slice(hostEnd + 1);
    if (!/^[0-9]{1,5}$/.test(digits)) return `the port in Host "${clip(value)}" is not a number from 1 to 65535`;
    const n = Number(digits);
    if (n < 1 || n > 65535) return `the port in Host "${clip(value)}" is not a number from 1 to 65535`;
    if (!((scheme === "http" && n === 80) || (scheme === "https" && n === 443))) port = `:${n}`;
  }
  return { host, authority: port === "" ? host : `${host}${port}` };
}

/** A lower-cased reg-name (trailing dot dropped), or why `value.slice(0, end)` is not one. */
function validName(value: string, end: number): string | { reason: string } {
  if (end === 0) return { reason: `Host "${clip(value)}" has no host name` };
  if (end > MAX_HOST_LENGTH) return { reason: "the Host name is longer than 255 characters" };
  let upper = false;
  let labelStart = 0;
  for (let i = 0; i < end; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x2e /* . */) {
      // An empty label ("a..b", ".a", "a.."); one trailing dot after a label is the FQDN form.
      if (i === labelStart) return { reason: `Host "${clip(value)}" has an empty label` };
      labelStart = i + 1;
      continue;
    }
    if (c >= 0x41 && c <= 0x5a) upper = true;
    else if (!((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x5f)) {
      return { reason: `Host "${clip(value)}" contains ${describe(c)}, which a host name cannot` };
    }
  }
  let name = end === value.length ? value : value.slice(0, end);
  if (name.charCodeAt(name.length - 1) === 0x2e) name = name.slice(0, -1);
  return upper ? name.toLowerCase() : name;
}

function describe(c: number): string {
  if (c === 0x40) return '"@" (userinfo)';
  if (c < 0x21 || c > 0x7e) return `the byte 0x${c.toString(16).padStart(2, "0")}`;
  return `"${String.fromCharCode(c)}"`;
}

/** Bounded, printable excerpt of a client's value for a message. */
export function clip(value: string): string {
  const printable = value.replace(/[^\x20-\x7e]/g, "?");
  return printable.length > 80 ? `${printable.slice(0, 80)}…` : printable;
}
