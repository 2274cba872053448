/**
 * Building the responses the cache layer returns: stored responses with a
 * correct Age (RFC 9111 §4.2.3, §5.1) and a Cache-Status (RFC 9211),
 * upstream responses passed on with their Cache-Status added, and the 504 for
 * `only-if-cached` (§5.2.1.7).
 */
import type { IncomingHttpHeaders } from "node:http";
import type { Readable } from "node:stream";
import type { UpstreamResponse } from "../upstream/contracts.js";
import { bufferBody, emptyBody } from "./body.js";
import { appendCacheStatus, formatCacheStatus, type CacheStatusParams } from "./cache-status.js";
import { clientConditionMatches, notModifiedHeaders } from "./conditional.js";
import type { StoredResponse } from "./entry.js";
import { currentAge } from "./policy.js";

/** Fields meant for this cache only (Fastly and Cloudflare strip them too). */
const CDN_ONLY = ["surrogate-key", "cache-tag"];

export function serveStored(req: { method: string; headers: IncomingHttpHeaders }, entry: StoredResponse, status: CacheStatusParams, now: number): UpstreamResponse {
  const age = String(Math.floor(currentAge(entry, now) / 1000));
  const cacheStatus = appendCacheStatus(entry.headers["cache-status"], formatCacheStatus(status));
  // §4.3.2: a client's conditional request that the stored response satisfies gets a 304 from here.
  if (clientConditionMatches(req.method, req.headers, entry)) {
    const headers = notModifiedHeaders(entry) as IncomingHttpHeaders;
    headers.age = age;
    headers["cache-status"] = cacheStatus;
    return inMemory(304, headers, EMPTY);
  }
  const headers = { ...entry.headers, age, "cache-status": cacheStatus } as IncomingHttpHeaders;
  return inMemory(entry.status, headers, req.method === "HEAD" ? EMPTY : entry.body);
}

const EMPTY = Buffer.alloc(0);

/**
 * A response whose body is in memory: `buffered` for writers that can send it
 * in one call, and a stream made only if someone reads `body`.
 */
function inMemory(status: number, headers: IncomingHttpHeaders, buffer: Buffer): UpstreamResponse {
  let stream: Readable | undefined;
  return {
    status,
    headers,
    buffered: buffer,
    get body(): Readable {
      return (stream ??= buffer.length === 0 ? emptyBody() : bufferBody(buffer));
    },
  };
}

/** An upstream response with our Cache-Status member and without CDN-only fields. */
export function passOn(res: UpstreamResponse, status: CacheStatusParams): UpstreamResponse {
  const headers: IncomingHttpHeaders = { ...res.headers };
  for (const name of CDN_ONLY) delete headers[name];
  headers["cache-status"] = appendCacheStatus(res.headers["cache-status"], formatCacheStatus(status));
  return res.backend === undefined ? { status: res.status, headers, body: res.body } : { status: res.status, headers, body: res.body, backend: res.backend };
}

/** §5.2.1.7: only-if-cached and nothing usable stored. */
export function gatewayTimeout(): UpstreamResponse {
  return {
    status: 504,
    headers: { "content-length": "0", "cache-status": formatCacheStatus({ detail: "only-if-cached" }) },
    body: emptyBody(),
  };
}

/** The stored response with its body, and a Content-Length that matches it. */
export function withBody(entry: StoredResponse, body: Buffer): StoredResponse {
  const headers = entry.status === 204 ? entry.headers : { ...entry.headers, "content-length": String(body.length) };
  return { ...entry, headers, body };
}

export function contentLength(headers: IncomingHttpHeaders): number | undefined {
  const v = headers["content-length"];
  return typeof v === "string" && /^\d+$/.test(v) ? Number(v) : undefined;
}
