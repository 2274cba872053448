/**
 * RFC 9111 for a shared cache, as pure functions: may this response be
 * stored (§3, §3.5), how long is it fresh (§4.2.1, §4.2.2), how old is it
 * (§4.2.3), and may a stored response answer this request (§4.2, §5.2.1,
 * RFC 5861). Times are epoch milliseconds; nothing here reads a clock.
 */
import type { IncomingHttpHeaders } from "node:http";
import { headerValue, responseDirectives, type RequestDirectives, type ResponseDirectives } from "./directives.js";
import type { StoredHeaders, StoredResponse } from "./entry.js";
import { formatHttpDate, parseHttpDate } from "./http-date.js";
import { parseVary } from "./vary.js";
import { isHopByHopLower } from "../http/headers.js";

export interface PolicyOptions {
  /** §4.2.2 heuristic freshness (10% of the Last-Modified age) for responses without explicit lifetime. */
  heuristicFreshness: boolean;
  /** stale-if-error window applied when a response names none and nothing forbids stale reuse. */
  defaultStaleIfErrorMs: number;
  /** Store responses that carry Set-Cookie (a route opt-in). */
  cacheSetCookie: boolean;
}

/** Status codes whose semantics this cache understands, so it may store them (§3). 206 needs range support: not stored. */
export const UNDERSTOOD_STATUS = new Set([200, 203, 204, 300, 301, 302, 303, 307, 308, 400, 403, 404, 405, 410, 414, 451, 501]);
/** Heuristically cacheable by default (RFC 9110 §15.1). */
export const HEURISTIC_STATUS = new Set([200, 203, 204, 206, 300, 301, 308, 404, 405, 410, 414, 501]);

/** Cap on heuristic lifetimes, so a years-old Last-Modified cannot pin a response for months. */
export const MAX_HEURISTIC_MS = 24 * 3600 * 1000;
/** Bounds on how long a stale response with a validator is kept for cheap 304 revalidation. */
export const MIN_VALIDATION_GRACE_MS = 60 * 1000;
export const MAX_VALIDATION_GRACE_MS = 24 * 3600 * 1000;

export type UncacheableReason =
  | "method" | "request-no-store" | "status" | "no-store" | "private" | "authorization"
  | "set-cookie" | "vary-star" | "no-freshness";

export function isCacheableMethod(method: string): boolean {
  return method === "GET" || method === "HEAD";
}

/** §4.4: methods that are not safe invalidate what the cache holds for the target. */
export function isUnsafeMethod(method: string): boolean {
  return method !== "GET" && method !== "HEAD" && method !== "OPTIONS" && method !== "TRACE";
}

export interface RequestLike {
  method: string;
  headers: IncomingHttpHeaders;
}
export interface ResponseLike {
  status: number;
  headers: IncomingHttpHeaders;
}

/**
 * §3 and §3.5: may a shared cache store this response? Returns the first
 * reason it may not, or undefined when it may (freshness is checked when the
 * entry is built, since a zero retention also means "do not store").
 */
export function uncacheableReason(req: RequestLike, res: ResponseLike, directives: ResponseDirectives, reqDirectives: RequestDirectives, opts: PolicyOptions): UncacheableReason | undefined {
  if (!isCacheableMethod(req.method)) return "method";
  if (reqDirectives.noStore) return "request-no-store";
  const understood = UNDERSTOOD_STATUS.has(res.status);
  if (!understood) return "status";
  // §5.2.2.3: must-understand with an understood status overrides no-store.
  if (directives.noStore && !directives.mustUnderstand) return "no-store";
  if (directives.private) return "private";
  if (req.headers.authorization !== undefined && !allowsAuthorizedReuse(directives)) return "authorization";
  if (res.headers["set-cookie"] !== undefined && !opts.cacheSetCookie) return "set-cookie";
  if (parseVary(res.headers)[0] === "*") return "vary-star";
  if (!hasExplicitFreshness(res.headers, directives) && !HEURISTIC_STATUS.has(res.status)) return "no-freshness";
  return undefined;
}

/** §3.5: directives that let a shared cache reuse a response to an authorized request. */
export function allowsAuthorizedReuse(d: ResponseDirectives): boolean {
  return d.public || d.sMaxAge !== undefined || d.mustRevalidate;
}

function hasExplicitFreshness(headers: IncomingHttpHeaders, d: ResponseDirectives): boolean {
  return d.public || d.maxAge !== undefined || d.sMaxAge !== undefined || (d.source === "cache-control" && headers.expires !== undefined);
}

/** §4.2.3 corrected_initial_age, ms. */
export function correctedInitialAge(headers: IncomingHttpHeaders, requestTime: number, responseTime: number): number {
  const dateValue = parseHttpDate(headerValue(headers, "date")) ?? responseTime;
  const apparentAge = Math.max(0, responseTime - dateValue);
  const responseDelay = Math.max(0, responseTime - requestTime);
  // §5.1: a list-valued Age uses its first member; an invalid one is ignored.
  const first = headerValue(headers, "age")?.split(",")[0]?.trim();
  const ageValue = first !== undefined && /^\d+$/.test(first) ? Math.min(Number(first), 2147483648) * 1000 : 0;
  return Math.max(apparentAge, ageValue + responseDelay);
}

/** §4.2.3 current_age, ms. */
export function currentAge(entry: Pick<StoredResponse, "correctedInitialAge" | "responseTime">, now: number): number {
  return entry.correctedInitialAge + Math.max(0, now - entry.responseTime);
}

/**
 * §4.2.1 freshness lifetime for a shared cache (s-maxage, then max-age, then
 * Expires − Date), else §4.2.2 heuristics when enabled. Invalid values mean
 * already stale (lifetime 0).
 */
export function freshnessLifetime(headers: IncomingHttpHeaders, d: ResponseDirectives, status: number, responseTime: number, opts: Pick<PolicyOptions, "heuristicFreshness">): { ms: number; heuristic: boolean } {
  if (d.sMaxAge !== undefined) return { ms: Number.isNaN(d.sMaxAge) ? 0 : d.sMaxAge * 1000, heuristic: false };
  if (d.maxAge !== undefined) return { ms: Number.isNaN(d.maxAge) ? 0 : d.maxAge * 1000, heuristic: false };
  // RFC 9213 §2.2: a targeted field replaces Expires too.
  if (d.source === "cache-control" && headers.expires !== undefined) {
    const expires = parseHttpDate(headerValue(headers, "expires"));
    if (expires === undefined) return { ms: 0, heuristic: false };
    const date = parseHttpDate(headerValue(headers, "date")) ?? responseTime;
    return { ms: Math.max(0, expires - date), heuristic: false };
  }
  if (opts.heuristicFreshness && (HEURISTIC_STATUS.has(status) || d.public)) {
    const lastModified = parseHttpDate(headerValue(headers, "last-modified"));
    const date = parseHttpDate(headerValue(headers, "date")) ?? responseTime;
    if (lastModified !== undefined && lastModified < date) {
      return { ms: Math.min(Math.floor((date - lastModified) / 10), MAX_HEURISTIC_MS), heuristic: true };
    }
  }
  return { ms: 0, heuristic: false };
}

/** Fields the cache consumes rather than stores: Age is recomputed, surrogate keys become tags. */
const NOT_STORED = new Set(["age", "surrogate-key", "cache-tag"]);

/** §3.1: the header fields a cache stores (hop-by-hop and Connection-named fields removed). */
export function storableHeaders(headers: IncomingHttpHeaders, opts: Pick<PolicyOptions, "cacheSetCookie">): StoredHeaders {
  const connectionNamed = new Set((headerValue(headers, "connection") ?? "").split(",").map((s) => s.trim().toLowerCase()).filter(Boolean));
  const out: StoredHeaders = {};
  for (const name in headers) {
    const v = headers[name];
    if (v === undefined || isHopByHopLower(name) || NOT_STORED.has(name) || connectionNamed.has(name)) continue;
    if (name === "set-cookie" && !opts.cacheSetCookie) continue;
    out[name] = v;
  }
  return out;
}

/** Surrogate keys from Surrogate-Key (space separated) and Cache-Tag (comma separated). */
export function surrogateKeys(headers: IncomingHttpHeaders): string[] {
  const tags = new Set<string>();
  for (const t of (headerValue(headers, "surrogate-key") ?? "").split(/\s+/)) if (t) tags.add(t);
  for (const t of (headerValue(headers, "cache-tag") ?? "").split(",")) if (t.trim()) tags.add(t.trim());
  // Bound what one response can make the indexes hold.
  return [...tags].filter((t) => t.length <= 256).slice(0, 128);
}

export interface BuildInput {
  url: string;
  req: RequestLike;
  res: ResponseLike;
  body: Buffer;
  requestTime: number;
  responseTime: number;
  /** Vary selection of the request that produced it. */
  vary?: { names: string[]; values: (string | null)[] };
}

/**
 * Builds the stored form of a response judged storable by uncacheableReason,
 * deriving its freshness facts; undefined when it would be useless to keep
 * (no lifetime, no stale window and no validator to revalidate with).
 */
export function buildStoredResponse(input: BuildInput, opts: PolicyOptions): StoredResponse | undefined {
  const { res, requestTime, responseTime } = input;
  const headers = storableHeaders(res.headers, opts);
  // RFC 9110 §6.6.1: a cache stores a Date when the origin sent none.
  if (headers.date === undefined) headers.date = formatHttpDate(responseTime);
  if (res.status !== 204 && res.status !== 304) headers["content-length"] = String(input.body.length);
  const entry = deriveFreshness({
    kind: "response",
    url: input.url,
    status: res.status,
    headers,
    body: input.body,
    requestTime,
    responseTime,
    correctedInitialAge: 0,
    lifetime: 0,
    staleWhileRevalidate: 0,
    staleIfError: 0,
    noClientStale: false,
    alwaysValidate: false,
    authorizedReuse: false,
    tags: surrogateKeys(res.headers),
    expiresAt: 0,
  }, res.headers, opts);
  if (input.vary && input.vary.names.length > 0) entry.vary = input.vary;
  return entry.expiresAt > responseTime ? entry : undefined;
}

/**
 * Fills in the derived fields from `ageHeaders` (the headers as received, with
 * Age) and the entry's stored headers. Used when storing and after a 304.
 */
export function deriveFreshness(entry: StoredResponse, ageHeaders: IncomingHttpHeaders, opts: PolicyOptions): StoredResponse {
  const d = responseDirectives(entry.headers);
  const fl = freshnessLifetime(entry.headers, d, entry.status, entry.responseTime, opts);
  const lifetime = fl.ms;
  // Only a response the origin (or the enabled heuristic) gave a caching policy is kept past
  // its lifetime: otherwise a plain 200 with an ETag would be stored although heuristics are off.
  const hasPolicy = fl.heuristic || d.noCache || hasExplicitFreshness(entry.headers, d);
  const initialAge = correctedInitialAge({ date: entry.headers.date as string | undefined, age: ageHeaders.age }, entry.requestTime, entry.responseTime);
  // §4.2.4: no-cache, must-revalidate and proxy-revalidate forbid serving stale. An explicit
  // RFC 5861 window next to s-maxage is honoured (the origin asked for both); the configured
  // default is not, since s-maxage carries proxy-revalidate (§5.2.2.10).
  const forbidStale = d.noCache || d.mustRevalidate || d.proxyRevalidate;
  const swr = forbidStale ? 0 : (d.staleWhileRevalidate ?? 0) * 1000;
  const sie = forbidStale ? 0 : d.staleIfError !== undefined ? d.staleIfError * 1000 : d.sMaxAge !== undefined || !hasPolicy ? 0 : opts.defaultStaleIfErrorMs;
  const staleAt = entry.responseTime + lifetime - initialAge;
  const hasValidator = entry.headers.etag !== undefined || entry.headers["last-modified"] !== undefined;
  const grace = hasValidator && hasPolicy ? Math.min(Math.max(lifetime, MIN_VALIDATION_GRACE_MS), MAX_VALIDATION_GRACE_MS) : 0;
  return {
    ...entry,
    correctedInitialAge: initialAge,
    lifetime,
    staleWhileRevalidate: swr,
    staleIfError: sie,
    noClientStale: d.mustRevalidate || d.proxyRevalidate || d.sMaxAge !== undefined || d.noCache,
    alwaysValidate: d.noCache,
    authorizedReuse: allowsAuthorizedReuse(d),
    expiresAt: staleAt + Math.max(swr, sie, grace),
  };
}

// ── reuse (§4.2, §5.2.1, RFC 5861) ─────────────────────────────────────────

export type Reuse =
  | { action: "fresh"; ttlMs: number }
  /** Stale, but the request's max-stale accepts it (§5.2.1.2). */
  | { action: "stale-ok"; ttlMs: number }
  /** Stale within stale-while-revalidate: serve now, refresh in the background. */
  | { action: "stale-while-revalidate"; ttlMs: number }
  | { action: "validate"; reason: "stale" | "request-no-cache" | "request-max-age" | "min-fresh" | "no-cache"; ttlMs: number };

/** Remaining freshness (negative once stale), ms. */
export function ttl(entry: StoredResponse, now: number): number {
  return entry.lifetime - currentAge(entry, now);
}

export function decideReuse(entry: StoredResponse, req: RequestDirectives, now: number): Reuse {
  const age = currentAge(entry, now);
  const ttlMs = entry.lifetime - age;
  if (req.noCache) return { action: "validate", reason: "request-no-cache", ttlMs };
  if (entry.alwaysValidate) return { action: "validate", reason: "no-cache", ttlMs };
  if (ttlMs > 0) {
    if (req.maxAge !== undefined && age > req.maxAge * 1000) return { action: "validate", reason: "request-max-age", ttlMs };
    if (req.minFresh !== undefined && ttlMs < req.minFresh * 1000) return { action: "validate", reason: "min-fresh", ttlMs };
    return { action: "fresh", ttlMs };
  }
  const staleness = -ttlMs;
  if (req.maxStale !== undefined && !entry.noClientStale && staleness <= req.maxStale * 1000
    && (req.maxAge === undefined || age <= req.maxAge * 1000)) {
    return { action: "stale-ok", ttlMs };
  }
  // A request max-age or min-fresh states a bound a stale response cannot meet; only validation can.
  if (entry.staleWhileRevalidate > 0 && staleness <= entry.staleWhileRevalidate && req.maxAge === undefined && req.minFresh === undefined) {
    return { action: "stale-while-revalidate", ttlMs };
  }
  return { action: "validate", reason: "stale", ttlMs };
}

/** RFC 5861 §4: may this entry answer when the origin fails (5xx or no response)? */
export function staleIfErrorAllows(entry: StoredResponse, now: number): boolean {
  return -ttl(entry, now) <= entry.staleIfError;
}

/** §3.5: a request with Authorization may only be answered by a response that allows it. */
export function usableForRequest(entry: StoredResponse, req: RequestLike): boolean {
  return req.headers.authorization === undefined || entry.authorizedReuse;
}

/** RFC 5861 §4: the errors that let stale-if-error apply. */
export function isServerError(status: number): boolean {
  return status === 500 || status === 502 || status === 503 || status === 504;
}
