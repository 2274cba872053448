/**
 * Cache directives (RFC 9111 §5.2) from Cache-Control, Pragma (§5.4) and the
 * targeted CDN-Cache-Control field (RFC 9213), reduced to the few facts the
 * policy needs. Pure: header values in, plain objects out.
 */
import type { IncomingHttpHeaders } from "node:http";
import { parseSfDictionary } from "./sf-dictionary.js";

/** delta-seconds above this are capped (RFC 9111 §1.2.2). */
const MAX_DELTA_SECONDS = 2147483648;

export interface ResponseDirectives {
  /** Seconds; NaN when present but invalid or conflicting (§4.2.1: treat as stale). */
  maxAge?: number;
  sMaxAge?: number;
  noStore: boolean;
  /** Unqualified or qualified: a field list is treated like the unqualified form (conservative). */
  noCache: boolean;
  /** Unqualified or qualified: either way a shared cache does not store. */
  private: boolean;
  public: boolean;
  mustRevalidate: boolean;
  proxyRevalidate: boolean;
  mustUnderstand: boolean;
  /** RFC 5861, seconds. */
  staleWhileRevalidate?: number;
  staleIfError?: number;
  /** Which field these came from: CDN-Cache-Control overrides Cache-Control and Expires. */
  source: "cdn-cache-control" | "cache-control";
}

export interface RequestDirectives {
  maxAge?: number;
  /** Infinity when max-stale has no value (any staleness accepted). */
  maxStale?: number;
  minFresh?: number;
  noCache: boolean;
  noStore: boolean;
  onlyIfCached: boolean;
}

/** One header's value as a single string (repeated lines joined, §5.3 of RFC 9110). */
export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v.join(", ") : v;
}

/**
 * Parses a Cache-Control value into directive name → argument (true when
 * there is none). Names are case-insensitive; a directive that appears twice
 * with different arguments maps to null ("conflicting").
 */
export function parseCacheControl(value: string | undefined): Map<string, string | true | null> {
  const out = new Map<string, string | true | null>();
  if (!value) return out;
  let i = 0;
  const s = value;
  while (i < s.length) {
    while (i < s.length && (s[i] === " " || s[i] === "\t" || s[i] === ",")) i++;
    if (i >= s.length) break;
    let j = i;
    while (j < s.length && s[j] !== "=" && s[j] !== ",") j++;
    const name = s.slice(i, j).trim().toLowerCase();
    let arg: string | true = true;
    if (s[j] === "=") {
      j++;
      while (s[j] === " " || s[j] === "\t") j++;
      if (s[j] === '"') {
        let k = j + 1;
        let text = "";
        while (k < s.length && s[k] !== '"') {
          if (s[k] === "\\" && k + 1 < s.length) k++;
          text += s[k];
          k++;
        }
        arg = text;
        j = k + 1;
        while (j < s.length && s[j] !== ",") j++;
      } else {
        let k = j;
        while (k < s.length && s[k] !== ",") k++;
        arg = s.slice(j, k).trim();
        j = k;
      }
    }
    if (name) {
      const prev = out.get(name);
      out.set(name, prev === undefined || prev === arg ? arg : null);
    }
    i = j + 1;
  }
  return out;
}

/** delta-seconds (§1.2.2): digits only; NaN for anything else. */
function deltaSeconds(arg: string | true | null | undefined): number | undefined {
  if (arg === undefined) return undefined;
  if (typeof arg !== "string" || !/^\d+$/.test(arg)) return Number.NaN;
  return Math.min(Number(arg), MAX_DELTA_SECONDS);
}

export function parseResponseCacheControl(value: string | undefined): ResponseDirectives {
  const cc = parseCacheControl(value);
  const d: ResponseDirectives = {
    noStore: cc.has("no-store"),
    noCache: cc.has("no-cache"),
    private: cc.has("private"),
    public: cc.has("public"),
    mustRevalidate: cc.has("must-revalidate"),
    proxyRevalidate: cc.has("proxy-revalidate"),
    mustUnderstand: cc.has("must-understand"),
    source: "cache-control",
  };
  setNumber(d, "maxAge", deltaSeconds(cc.get("max-age")));
  setNumber(d, "sMaxAge", deltaSeconds(cc.get("s-maxage")));
  const swr = deltaSeconds(cc.get("stale-while-revalidate"));
  const sie = deltaSeconds(cc.get("stale-if-error"));
  // An invalid RFC 5861 window grants nothing; it must not make the response stale.
  if (swr !== undefined && !Number.isNaN(swr)) d.staleWhileRevalidate = swr;
  if (sie !== undefined && !Number.isNaN(sie)) d.staleIfError = sie;
  return d;
}

function setNumber(d: ResponseDirectives, key: "maxAge" | "sMaxAge", v: number | undefined): void {
  if (v !== undefined) d[key] = v;
}

/**
 * CDN-Cache-Control (RFC 9213 §2.2, §3): a valid, non-empty value replaces
 * Cache-Control and Expires for this cache. Values that violate a directive's
 * inferred type are not consumed (§2.1), e.g. `max-age=1.5` or `max-age=abc`.
 */
export function parseTargetedCacheControl(value: string | undefined): ResponseDirectives | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  const dict = parseSfDictionary(value);
  if (!dict || dict.size === 0) return undefined;
  const flag = (name: string): boolean => {
    const v = dict.get(name);
    // Field-list forms (strings/inner lists) count as the unqualified directive: conservative.
    return v !== undefined && v !== false;
  };
  const int = (name: string): number | undefined => {
    const v = dict.get(name);
    return typeof v === "number" && Number.isInteger(v) && v >= 0 ? Math.min(v, MAX_DELTA_SECONDS) : undefined;
  };
  const d: ResponseDirectives = {
    noStore: flag("no-store"),
    noCache: flag("no-cache"),
    private: flag("private"),
    public: flag("public"),
    mustRevalidate: flag("must-revalidate"),
    proxyRevalidate: flag("proxy-revalidate"),
    mustUnderstand: flag("must-understand"),
    source: "cdn-cache-control",
  };
  const maxAge = int("max-age");
  const sMaxAge = int("s-maxage");
  const swr = int("stale-while-revalidate");
  const sie = int("stale-if-error");
  if (maxAge !== undefined) d.maxAge = maxAge;
  if (sMaxAge !== undefined) d.sMaxAge = sMaxAge;
  if (swr !== undefined) d.staleWhileRevalidate = swr;
  if (sie !== undefined) d.staleIfError = sie;
  return d;
}

/** The directives this (edge) cache obeys: CDN-Cache-Control when valid, else Cache-Control. */
export function responseDirectives(headers: IncomingHttpHeaders): ResponseDirectives {
  return parseTargetedCacheControl(headerValue(headers, "cdn-cache-control"))
    ?? parseResponseCacheControl(headerValue(headers, "cache-control"));
}

export function requestDirectives(headers: IncomingHttpHeaders): RequestDirectives {
  const raw = headerValue(headers, "cache-control");
  const cc = parseCacheControl(raw);
  const d: RequestDirectives = {
    noCache: cc.has("no-cache"),
    noStore: cc.has("no-store"),
    onlyIfCached: cc.has("only-if-cached"),
  };
  // §5.4: Pragma: no-cache counts only when the request has no Cache-Control.
  if (raw === undefined && /(^|,)\s*no-cache\s*(,|$)/i.test(headerValue(headers, "pragma") ?? "")) d.noCache = true;
  const maxAge = deltaSeconds(cc.get("max-age"));
  // An invalid request max-age cannot be honoured as a bound; asking for revalidation is the safe reading.
  if (maxAge !== undefined) d.maxAge = Number.isNaN(maxAge) ? 0 : maxAge;
  const minFresh = deltaSeconds(cc.get("min-fresh"));
  if (minFresh !== undefined && !Number.isNaN(minFresh)) d.minFresh = minFresh;
  if (cc.has("max-stale")) {
    const arg = cc.get("max-stale");
    const v = arg === true ? Number.POSITIVE_INFINITY : deltaSeconds(arg);
    if (v !== undefined && !Number.isNaN(v)) d.maxStale = v;
  }
  return d;
}
