/**
 * The normal form of an origin-form request target (RFC 3986 §6.2.2): the
 * one path + query that routing matches, the cache keys and the origin
 * receives, so no two of them can read the same bytes differently.
 *
 * Policy:
 *   - percent-encoded unreserved characters are decoded, other escapes
 *     upper-cased; a malformed escape in the path is refused;
 *   - `%2F`, `%5C` and `%00` in the path are refused: origins disagree on
 *     whether an encoded slash separates segments, so no single form exists;
 *   - a backslash, a fragment (`#`) or a byte outside printable ASCII is
 *     refused (browsers never send them; some servers read `\` as `/`);
 *   - dot segments are resolved, and `..` that would climb above the root
 *     is refused;
 *   - repeated slashes are merged (as nginx's merge_slashes does);
 *   - the query is kept in order with its escapes normalised like the path's
 *     (a malformed escape there is left as sent: nobody reads it as a path).
 *
 * The common target (no `%`, no `/.`, no `//`, nothing odd) is already
 * normal: one scan of its characters and no allocation.
 */

export interface NormalTarget {
  /** Path and query, normalised: what is routed, keyed and sent. */
  readonly target: string;
  /** Index of "?" in `target`, or its length when there is no query. */
  readonly pathEnd: number;
}

/** `target` must start with "/". Returns the normal form, or why there is none. */
export function normalizeTarget(target: string): NormalTarget | string {
  const n = target.length;
  let i = 0;
  for (; i < n; i++) {
    const c = target.charCodeAt(i);
    if (c === 0x3f /* ? */) break;
    if (c === 0x25 /* % */ || c === 0x5c /* \ */ || c === 0x23 /* # */ || c <= 0x20 || c >= 0x7f) return slowPath(target);
    if (c === 0x2f /* / */ && i + 1 < n) {
      const next = target.charCodeAt(i + 1);
      if (next === 0x2f || next === 0x2e /* . */) return slowPath(target);
    }
  }
  const pathEnd = i;
  for (; i < n; i++) {
    const c = target.charCodeAt(i);
    if (c === 0x25 || c === 0x23 || c <= 0x20 || c >= 0x7f) return slowPath(target);
  }
  return { target, pathEnd };
}

function slowPath(target: string): NormalTarget | string {
  if (target.includes("#")) return "the request target has a fragment (#…), which is never sent to a server";
  const q = target.indexOf("?");
  const rawPath = q < 0 ? target : target.slice(0, q);
  const rawQuery = q < 0 ? "" : target.slice(q + 1);
  const bad = firstUnprintable(target);
  if (bad >= 0) return `the request target contains the byte 0x${bad.toString(16).padStart(2, "0")}; encode it as %${bad.toString(16).toUpperCase().padStart(2, "0")}`;
  if (rawPath.includes("\\")) return 'the request path contains a backslash; servers disagree on whether it means "/"';
  const decoded = normalizePathEscapes(rawPath);
  if (typeof decoded !== "string") return decoded.reason;
  const path = removeDotSegments(decoded);
  if (path === undefined) return 'the request path climbs above the root with ".."';
  const query = q < 0 ? "" : `?${normalizeQueryEscapes(rawQuery)}`;
  return { target: `${path}${query}`, pathEnd: path.length };
}

function firstUnprintable(s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f) return c;
  }
  return -1;
}

function isUnreserved(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e || c === 0x5f || c === 0x7e;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/** Decodes escaped unreserved characters and upper-cases the other escapes; malformed escapes → undefined. */
function normalizeEscapes(s: string, strict: boolean): string | { escape: string; byte: number } | undefined {
  if (!s.includes("%")) return s;
  let out = "";
  let from = 0;
  for (let i = s.indexOf("%"); i >= 0; i = s.indexOf("%", i)) {
    const hi = i + 2 < s.length ? hexValue(s.charCodeAt(i + 1)) : -1;
    const lo = hi < 0 ? -1 : hexValue(s.charCodeAt(i + 2));
    if (lo < 0) {
      if (strict) return undefined;
      i++;
      continue;
    }
    const byte = hi * 16 + lo;
    out += s.slice(from, i);
    if (isUnreserved(byte)) out += String.fromCharCode(byte);
    else {
      const escape = `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
      if (strict && (byte === 0x2f || byte === 0x5c || byte === 0x00)) return { escape, byte };
      out += escape;
    }
    i += 3;
    from = i;
  }
  return out + s.slice(from);
}

function normalizePathEscapes(path: string): string | { reason: string } {
  const r = normalizeEscapes(path, true);
  if (r === undefined) return { reason: "the request path has a malformed percent-escape (% must be followed by two hex digits)" };
  if (typeof r !== "string") return { reason: `the request path contains ${r.escape}; an encoded ${r.byte === 0 ? "NUL" : r.byte === 0x2f ? "slash" : "backslash"} is refused because servers disagree on what it means` };
  return r;
}

function normalizeQueryEscapes(query: string): string {
  return normalizeEscapes(query, false) as string;
}

/**
 * RFC 3986 §5.2.4 on a path that starts with "/", with empty segments merged;
 * undefined when ".." would go above the root.
 */
export function removeDotSegments(path: string): string | undefined {
  const segments = path.split("/");
  const out: string[] = [];
  const last = segments.length - 1;
  for (let i = 1; i <= last; i++) {
    const seg = segments[i]!;
    if (seg === "" || seg === ".") {
      // A trailing "/" or "/." keeps the path a directory: "/a/." → "/a/".
      if (i === last) out.push("");
      continue;
    }
    if (seg === "..") {
      if (out.length === 0 || (out.length === 1 && out[0] === "")) return undefined;
      out.pop();
      if (i === last) out.push("");
      continue;
    }
    out.push(seg);
  }
  return `/${out.join("/")}`;
}
