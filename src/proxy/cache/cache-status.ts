/**
 * The Cache-Status response field (RFC 9211): one list member per cache,
 * appended after any the response already carries (§2: the last member is the
 * cache closest to the client).
 */

export const CACHE_NAME = "edgeform";

export type ForwardReason = "bypass" | "method" | "uri-miss" | "vary-miss" | "miss" | "request" | "stale";

export interface CacheStatusParams {
  hit?: boolean;
  fwd?: ForwardReason;
  fwdStatus?: number;
  /** Remaining freshness, seconds (negative once stale). */
  ttlMs?: number;
  stored?: boolean;
  /** true: collapsed into another request and reused it; false: had to make its own. */
  collapsed?: boolean;
  detail?: string;
}

const TOKEN = /^[A-Za-z*][!#$%&'*+\-.^_`|~0-9A-Za-z:/]*$/;

export function formatCacheStatus(p: CacheStatusParams): string {
  let s = CACHE_NAME;
  if (p.hit) s += "; hit";
  if (p.fwd) s += `; fwd=${p.fwd}`;
  if (p.fwdStatus !== undefined) s += `; fwd-status=${p.fwdStatus}`;
  if (p.ttlMs !== undefined) s += `; ttl=${Math.trunc(p.ttlMs / 1000)}`;
  if (p.stored) s += "; stored";
  if (p.collapsed !== undefined) s += p.collapsed ? "; collapsed" : "; collapsed=?0";
  if (p.detail !== undefined) s += `; detail=${TOKEN.test(p.detail) ? p.detail : JSON.stringify(p.detail)}`;
  return s;
}

/** Appends our member to an upstream Cache-Status, keeping the chain (RFC 9211 §2). */
export function appendCacheStatus(existing: string | string[] | undefined, ours: string): string {
  const prev = Array.isArray(existing) ? existing.join(", ") : existing;
  return prev ? `${prev}, ${ours}` : ours;
}
