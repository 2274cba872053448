/**
 * The in-process tier: an LRU bounded by bytes (a Map in recency order), so a
 * few large bodies cannot take the memory that thousands of small ones would
 * use better. One per worker; nothing is shared between processes.
 */
import { ownedBuffer, recordSize, type CacheRecord } from "./entry.js";
import type { CacheStore } from "./store.js";

export interface MemoryStoreOptions {
  maxBytes: number;
  now?: () => number;
  /** Called once per record evicted to make room (not for expiry or purge). */
  onEvict?: () => void;
}

interface Slot {
  record: CacheRecord;
  size: number;
  expiresAt: number;
}

export class MemoryStore implements CacheStore {
  readonly tier = "memory" as const;
  readonly #maxBytes: number;
  readonly #now: () => number;
  readonly #onEvict: () => void;
  readonly #slots = new Map<string, Slot>();
  readonly #tags = new Map<string, Set<string>>();
  #bytes = 0;

  constructor(options: MemoryStoreOptions) {
    this.#maxBytes = options.maxBytes;
    this.#now = options.now ?? Date.now;
    this.#onEvict = options.onEvict ?? (() => {});
  }

  get bytes(): number {
    return this.#bytes;
  }

  get entries(): number {
    return this.#slots.size;
  }

  /** Synchronous lookup for the hit path. */
  getSync(key: string): CacheRecord | undefined {
    const slot = this.#slots.get(key);
    if (!slot) return undefined;
    if (slot.expiresAt <= this.#now()) {
      this.#remove(key, slot);
      return undefined;
    }
    // Most recently used moves to the end; eviction takes from the front.
    this.#slots.delete(key);
    this.#slots.set(key, slot);
    return slot.record;
  }

  async get(key: string): Promise<CacheRecord | undefined> {
    return this.getSync(key);
  }

  setSync(key: string, given: CacheRecord, ttlMs: number): void {
    const old = this.#slots.get(key);
    if (old) this.#remove(key, old);
    // Sized as it will be kept, so a record that will not be kept is never copied.
    const size = recordSize(key, given, true);
    if (ttlMs <= 0 || size > this.#maxBytes) return;
    // A body that is a view of a larger allocation would keep all of it alive, uncounted.
    const body = given.kind === "response" ? ownedBuffer(given.body) : undefined;
    const record = body === undefined || given.kind !== "response" || body === given.body ? given : { ...given, body };
    this.#slots.set(key, { record, size, expiresAt: this.#now() + ttlMs });
    this.#bytes += size;
    for (const tag of record.tags) {
      let keys = this.#tags.get(tag);
      if (!keys) this.#tags.set(tag, (keys = new Set()));
      keys.add(key);
    }
    for (const [oldestKey, slot] of this.#slots) {
      if (this.#bytes <= this.#maxBytes) break;
      this.#remove(oldestKey, slot);
      this.#onEvict();
    }
  }

  async set(key: string, record: CacheRecord, ttlMs: number): Promise<void> {
    this.setSync(key, record, ttlMs);
  }

  deleteSync(key: string): boolean {
    const slot = this.#slots.get(key);
    if (!slot) return false;
    this.#remove(key, slot);
    return slot.expiresAt > this.#now();
  }

  /** Removes `key` and returns what it held, if it was live. */
  take(key: string): CacheRecord | undefined {
    const slot = this.#slots.get(key);
    if (!slot) return undefined;
    this.#remove(key, slot);
    return slot.expiresAt > this.#now() ? slot.record : undefined;
  }

  async delete(key: string): Promise<boolean> {
    return this.deleteSync(key);
  }

  purgePrefixSync(prefix: string): number {
    let n = 0;
    const now = this.#now();
    for (const [key, slot] of this.#slots) {
      if (!key.startsWith(prefix)) continue;
      this.#remove(key, slot);
      if (slot.record.kind === "response" && slot.expiresAt > now) n++;
    }
    return n;
  }

  async purgePrefix(prefix: string): Promise<number> {
    return this.purgePrefixSync(prefix);
  }

  purgeTagSync(tag: string): number {
    const keys = this.#tags.get(tag);
    if (!keys) return 0;
    let n = 0;
    const now = this.#now();
    for (const key of [...keys]) {
      const slot = this.#slots.get(key);
      if (!slot) continue;
      this.#remove(key, slot);
      if (slot.record.kind === "response" && slot.expiresAt > now) n++;
    }
    this.#tags.delete(tag);
    return n;
  }

  async purgeTag(tag: string): Promise<number> {
    return this.purgeTagSync(tag);
  }

  /** Drops everything (e.g. after purge messages may have been missed). */
  clear(): void {
    this.#slots.clear();
    this.#tags.clear();
    this.#bytes = 0;
  }

  async close(): Promise<void> {
    this.clear();
  }

  #remove(key: string, slot: Slot): void {
    this.#slots.delete(key);
    this.#bytes -= slot.size;
    for (const tag of slot.record.tags) {
      const keys = this.#tags.get(tag);
      if (!keys) continue;
      keys.delete(key);
      if (keys.size === 0) this.#tags.delete(tag);
    }
  }
}
