/**
 * Invalidation (RFC 9111 §4.4): a non-error response to an unsafe method
 * invalidates the target URI, and the Location and Content-Location URIs when
 * they share its origin (a different origin could be used to purge a victim's
 * cache entries, so those are left alone).
 */
import type { IncomingHttpHeaders } from "node:http";
import { headerValue } from "./directives.js";
import { isUnsafeMethod } from "./policy.js";

export interface InvalidationRequest {
  method: string;
  scheme: string;
  host: string;
  /** Origin-form target. */
  url: string;
}

/** Origin-form targets to invalidate; empty when the exchange invalidates nothing. */
export function invalidationTargets(req: InvalidationRequest, status: number, headers: IncomingHttpHeaders): string[] {
  if (!isUnsafeMethod(req.method) || status < 200 || status >= 400) return [];
  const targets = new Set<string>([req.url]);
  let base: URL;
  try {
    base = new URL(`${req.scheme}://${req.host}${req.url}`);
  } catch {
    return [...targets];
  }
  for (const name of ["location", "content-location"]) {
    const value = headerValue(headers, name);
    if (!value) continue;
    try {
      const u = new URL(value.trim(), base);
      if (u.protocol === base.protocol && u.hostname === base.hostname && u.port === base.port) targets.add(u.pathname + u.search);
    } catch {
      // An unparseable URI names nothing to invalidate.
    }
  }
  return [...targets];
}
