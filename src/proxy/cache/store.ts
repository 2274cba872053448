/**
 * One interface for every cache tier (after undici's CacheStore and its single
 * contract test suite): records by key with a TTL, plus the two indexes purge
 * needs — key prefix and surrogate key.
 *
 * get/set/delete never reject: a tier that cannot answer behaves as empty, so
 * a failing cache can cost hits but never a request. Purges do reject when
 * they could not finish, because an operator must know a purge did not happen.
 */
import type { CacheRecord } from "./entry.js";

export type TierName = "memory" | "redis";

export interface CacheStore {
  readonly tier: TierName | "tiered";
  get(key: string): Promise<CacheRecord | undefined>;
  /** Stores `record` for `ttlMs`; a record too big for the tier is silently not stored. */
  set(key: string, record: CacheRecord, ttlMs: number): Promise<void>;
  /** True when something was removed. */
  delete(key: string): Promise<boolean>;
  /** Removes every record whose key starts with `prefix`; returns how many responses (not vary markers) went. */
  purgePrefix(prefix: string): Promise<number>;
  /** Removes every record tagged `tag`; returns how many went. */
  purgeTag(tag: string): Promise<number>;
  close(): Promise<void>;
}
