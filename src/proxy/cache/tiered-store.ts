/**
 * Memory in front of Redis: reads try memory first, and a Redis hit fills
 * memory for the record's remaining retention; writes and deletes go to both.
 * Without a Redis tier it is just the memory tier.
 */
import type { CacheRecord } from "./entry.js";
import { VARIANT_SEPARATOR, type PurgePlan } from "./key.js";
import type { MemoryStore } from "./memory-store.js";
import type { RedisStore } from "./redis-store.js";
import type { CacheStore } from "./store.js";

export class TieredStore implements CacheStore {
  readonly tier = "tiered" as const;
  readonly memory: MemoryStore;
  readonly redis: RedisStore | undefined;
  readonly #now: () => number;

  constructor(memory: MemoryStore, redis: RedisStore | undefined, now: () => number = Date.now) {
    this.memory = memory;
    this.redis = redis;
    this.#now = now;
  }

  /** Memory only, synchronously (the hit path). */
  getLocal(key: string): CacheRecord | undefined {
    return this.memory.getSync(key);
  }

  /** Redis only; a hit is copied into memory. */
  async getShared(key: string): Promise<CacheRecord | undefined> {
    if (!this.redis) return undefined;
    const record = await this.redis.get(key);
    if (record) this.memory.setSync(key, record, record.expiresAt - this.#now());
    return record;
  }

  async get(key: string): Promise<CacheRecord | undefined> {
    return this.getLocal(key) ?? (await this.getShared(key));
  }

  async set(key: string, record: CacheRecord, ttlMs: number): Promise<void> {
    this.memory.setSync(key, record, ttlMs);
    await this.redis?.set(key, record, ttlMs);
  }

  async delete(key: string): Promise<boolean> {
    const local = this.memory.deleteSync(key);
    const shared = (await this.redis?.delete(key)) ?? false;
    return local || shared;
  }

  /** Memory is purged first so this replica stops serving at once, even if Redis then fails. */
  async purgePrefix(prefix: string): Promise<number> {
    const local = this.memory.purgePrefixSync(prefix);
    const shared = this.redis ? await this.redis.purgePrefix(prefix) : 0;
    return Math.max(local, shared);
  }

  async purgeTag(tag: string): Promise<number> {
    const local = this.memory.purgeTagSync(tag);
    const shared = this.redis ? await this.redis.purgeTag(tag) : 0;
    return Math.max(local, shared);
  }

  /** Applies a purge to memory only (this replica's copy); returns responses removed. */
  purgeLocal(plan: PurgePlan): number {
    switch (plan.kind) {
      case "tag":
        return this.memory.purgeTagSync(plan.tag);
      case "prefix":
        return plan.prefixes.reduce((n, p) => n + this.memory.purgePrefixSync(p), 0);
      case "urls":
        return plan.primaryKeys.reduce((n, k) => {
          const own = this.memory.take(k)?.kind === "response" ? 1 : 0;
          return n + own + this.memory.purgePrefixSync(k + VARIANT_SEPARATOR);
        }, 0);
    }
  }

  /** Applies a purge to Redis; rejects when Redis could not be purged. */
  async purgeShared(plan: PurgePlan): Promise<number> {
    const redis = this.redis;
    if (!redis) return 0;
    switch (plan.kind) {
      case "tag":
        return redis.purgeTag(plan.tag);
      case "prefix": {
        let n = 0;
        for (const p of plan.prefixes) n += await redis.purgePrefix(p);
        return n;
      }
      case "urls": {
        let n = await redis.purgeKeys(plan.primaryKeys);
        for (const k of plan.primaryKeys) n += await redis.purgePrefix(k + VARIANT_SEPARATOR);
        return n;
      }
    }
  }

  async close(): Promise<void> {
    await this.memory.close();
    await this.redis?.close();
  }
}
