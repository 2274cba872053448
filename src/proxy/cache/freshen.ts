/**
 * Freshening a stored response with a 304 (RFC 9111 §4.3.3, §4.3.4): pick the
 * stored response the 304 describes, merge its header fields in (§3.2), and
 * recompute freshness from the new Date/Age and exchange times.
 */
import type { IncomingHttpHeaders } from "node:http";
import type { StoredResponse } from "./entry.js";
import { weakMatch } from "./conditional.js";
import { deriveFreshness, storableHeaders, type PolicyOptions } from "./policy.js";
import { headerValue } from "./directives.js";

/**
 * §4.3.4: does this 304 identify `entry` for update? A validator in the 304
 * must match the stored one. With no validator at all, the 304 applies only
 * when the conditional request carried nothing but this entry's validators
 * (`ownValidators`); otherwise it may describe some other representation.
 */
export function notModifiedApplies(entry: StoredResponse, headers: IncomingHttpHeaders, ownValidators: boolean): boolean {
  const etag = headerValue(headers, "etag");
  const storedEtag = entry.headers.etag as string | undefined;
  if (etag !== undefined) return storedEtag !== undefined && weakMatch(etag, storedEtag);
  const lastModified = headerValue(headers, "last-modified");
  if (lastModified !== undefined) return entry.headers["last-modified"] === lastModified;
  return ownValidators;
}

/**
 * §3.2: every field of the 304 replaces the stored one, except those a cache
 * does not store and Content-Length (which describes the 304, not the body).
 */
export function freshen(entry: StoredResponse, headers: IncomingHttpHeaders, requestTime: number, responseTime: number, opts: PolicyOptions): StoredResponse {
  const update = storableHeaders(headers, opts);
  delete update["content-length"];
  const merged = { ...entry.headers, ...update };
  return deriveFreshness({ ...entry, headers: merged, requestTime, responseTime }, headers, opts);
}
