/**
 * Validation (RFC 9111 §4.3): the conditional request this cache sends to
 * revalidate a stored response (§4.3.1), and how it answers a client's own
 * conditional request from a stored response (§4.3.2).
 */
import type { IncomingHttpHeaders } from "node:http";
import { headerValue } from "./directives.js";
import type { StoredHeaders, StoredResponse } from "./entry.js";
import { parseHttpDate } from "./http-date.js";

function single(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** §4.3.1: If-None-Match from the stored ETag, If-Modified-Since from Last-Modified. */
export function revalidationHeaders(entry: StoredResponse): Record<string, string> {
  const out: Record<string, string> = {};
  const etag = single(entry.headers.etag);
  const lastModified = single(entry.headers["last-modified"]);
  if (etag !== undefined) out["if-none-match"] = etag;
  if (lastModified !== undefined) out["if-modified-since"] = lastModified;
  return out;
}

export function hasValidator(entry: StoredResponse): boolean {
  return entry.headers.etag !== undefined || entry.headers["last-modified"] !== undefined;
}

export function isConditionalRequest(headers: IncomingHttpHeaders): boolean {
  return headers["if-none-match"] !== undefined || headers["if-modified-since"] !== undefined;
}

/** RFC 9110 §8.8.3.2 weak comparison: opaque tags equal, W/ ignored. */
export function weakMatch(a: string, b: string): boolean {
  const strip = (t: string) => (t.startsWith("W/") ? t.slice(2) : t);
  return strip(a.trim()) === strip(b.trim());
}

/** Splits an If-None-Match list, keeping commas inside quoted entity-tags. */
function entityTags(list: string): string[] {
  return list.match(/(?:W\/)?"[^"]*"|\*/g) ?? [];
}

/**
 * §4.3.2: does the client's conditional GET/HEAD match this stored response,
 * so the cache answers 304 itself? If-None-Match wins over If-Modified-Since;
 * only a 200 is validated (preconditions do not apply to other statuses).
 */
export function clientConditionMatches(method: string, headers: IncomingHttpHeaders, entry: StoredResponse): boolean {
  if ((method !== "GET" && method !== "HEAD") || entry.status !== 200) return false;
  const inm = headerValue(headers, "if-none-match");
  if (inm !== undefined) {
    const etag = single(entry.headers.etag);
    const tags = entityTags(inm);
    if (tags.includes("*")) return true;
    return etag !== undefined && tags.some((t) => weakMatch(t, etag));
  }
  const ims = parseHttpDate(headerValue(headers, "if-modified-since"));
  if (ims === undefined) return false;
  // §4.3.2: Last-Modified, else Date, else the time the response was received.
  const modified = parseHttpDate(single(entry.headers["last-modified"])) ?? parseHttpDate(single(entry.headers.date)) ?? entry.responseTime;
  return modified <= ims;
}

/** RFC 9110 §15.4.5: the fields a 304 carries from the response it stands for. */
const NOT_MODIFIED_FIELDS = ["cache-control", "cdn-cache-control", "content-location", "date", "etag", "expires", "last-modified", "vary"];

export function notModifiedHeaders(entry: StoredResponse): StoredHeaders {
  const out: StoredHeaders = {};
  for (const name of NOT_MODIFIED_FIELDS) {
    const v = entry.headers[name];
    if (v !== undefined) out[name] = v;
  }
  return out;
}
