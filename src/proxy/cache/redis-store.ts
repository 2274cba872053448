/**
 * The shared tier in Redis. Every proxy replica reads and writes the same
 * records, so a response one replica fetched is a hit on the others.
 *
 * Layout (the `{cache}` hash tag keeps one cache's keys in one cluster slot):
 *   <p>e:<key>   the encoded record (entry.ts), with a TTL of its retention
 *   <p>ix        sorted set, score 0: every key, for prefix purges by lexical range
 *   <p>ex        sorted set, score = expiry: to prune the index as records expire
 *   <p>t:<tag>   set of keys carrying a surrogate key
 * Each write and purge is one Lua script, so replicas racing on one key never
 * leave a record missing from an index.
 */
import type { Redis } from "ioredis";
import { decodeRecord, encodeRecord, RESPONSE_TYPE_BYTE, type CacheRecord } from "./entry.js";
import type { RedisConnection } from "./redis-connection.js";
import type { CacheStore } from "./store.js";

/** Members handled per purge script call, so one purge never blocks Redis for long. */
const PURGE_BATCH = 500;

const NOW_MS = `local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/** Lua: deletes one record and its index members; 1 when it was a response (a Vary marker counts 0). */
const DROP_ENTRY = `local function drop(key, member, ix, ex, responseByte)
  local response = redis.call('GETRANGE', key, 0, 0) == responseByte
  redis.call('DEL', key)
  redis.call('ZREM', ix, member)
  redis.call('ZREM', ex, member)
  if response then return 1 end
  return 0
end`;

const SCRIPTS = {
  // KEYS: entry, ix, ex. ARGV: value, ttlMs, member, tagPrefix, tags...
  efSet: {
    numberOfKeys: 3,
    lua: `${NOW_MS}
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('ZADD', KEYS[2], 0, ARGV[3])
redis.call('ZADD', KEYS[3], now + tonumber(ARGV[2]), ARGV[3])
for i = 5, #ARGV do
  local tk = ARGV[4] .. ARGV[i]
  redis.call('SADD', tk, ARGV[3])
  if redis.call('PTTL', tk) < tonumber(ARGV[2]) then redis.call('PEXPIRE', tk, ARGV[2]) end
end
return 1`,
  },
  // KEYS: entry, ix, ex. ARGV: member.
  efDel: {
    numberOfKeys: 3,
    lua: `local n = redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
return n`,
  },
  // KEYS: ix, ex. ARGV: prefix, entryPrefix, limit, responseTypeByte. Returns {responses removed, members seen}.
  efPurgePrefix: {
    numberOfKeys: 2,
    lua: `${DROP_ENTRY}
local members = redis.call('ZRANGEBYLEX', KEYS[1], '[' .. ARGV[1], '[' .. ARGV[1] .. '\\255', 'LIMIT', 0, tonumber(ARGV[3]))
local n = 0
for _, m in ipairs(members) do n = n + drop(ARGV[2] .. m, m, KEYS[1], KEYS[2], ARGV[4]) end
return {n, #members}`,
  },
  // KEYS: ix, ex. ARGV: entryPrefix, responseTypeByte, keys... Returns responses removed.
  efPurgeKeys: {
    numberOfKeys: 2,
    lua: `${DROP_ENTRY}
local n = 0
for i = 3, #ARGV do n = n + drop(ARGV[1] .. ARGV[i], ARGV[i], KEYS[1], KEYS[2], ARGV[2]) end
return n`,
  },
  // KEYS: tag set, ix, ex. ARGV: entryPrefix, limit, responseTypeByte.
  efPurgeTag: {
    numberOfKeys: 3,
    lua: `${DROP_ENTRY}
local members = redis.call('SPOP', KEYS[1], tonumber(ARGV[2]))
local n = 0
for _, m in ipairs(members) do n = n + drop(ARGV[1] .. m, m, KEYS[2], KEYS[3], ARGV[3]) end
return {n, #members}`,
  },
  // KEYS: ix, ex. ARGV: limit. Drops index members whose records have expired.
  efSweep: {
    numberOfKeys: 2,
    lua: `${NOW_MS}
local members = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))
for _, m in ipairs(members) do
  redis.call('ZREM', KEYS[1], m)
  redis.call('ZREM', KEYS[2], m)
end
return #members`,
  },
} as const;

type ScriptClient = Redis & {
  efSet(...args: (string | Buffer | number)[]): Promise<number>;
  efDel(...args: string[]): Promise<number>;
  efPurgePrefix(...args: (string | number)[]): Promise<[number, number]>;
  efPurgeTag(...args: (string | number)[]): Promise<[number, number]>;
  efPurgeKeys(...args: string[]): Promise<number>;
  efSweep(...args: (string | number)[]): Promise<number>;
};

/** How often each replica prunes expired members from the indexes. */
const SWEEP_INTERVAL_MS = 30_000;

export class RedisStore implements CacheStore {
  readonly tier = "redis" as const;
  readonly #conn: RedisConnection;
  readonly #prefix: string;
  readonly #sweep: NodeJS.Timeout;

  /** `namespace` separates caches sharing one Redis (the cache name). */
  constructor(conn: RedisConnection, namespace: string) {
    this.#conn = conn;
    this.#prefix = `ef:{${namespace}}:`;
    for (const [name, def] of Object.entries(SCRIPTS)) {
      if (!(name in conn.client)) conn.client.defineCommand(name, def);
    }
    this.#sweep = setInterval(() => void this.sweep(), SWEEP_INTERVAL_MS);
    this.#sweep.unref();
  }

  get connection(): RedisConnection {
    return this.#conn;
  }

  async get(key: string): Promise<CacheRecord | undefined> {
    const buf = await this.#conn.run((c) => c.getBuffer(this.#entryKey(key)));
    return buf ? decodeRecord(buf) : undefined;
  }

  async set(key: string, record: CacheRecord, ttlMs: number): Promise<void> {
    const ttl = Math.ceil(ttlMs);
    if (ttl <= 0) return;
    await this.#conn.run((c) =>
      (c as ScriptClient).efSet(this.#entryKey(key), this.#ix, this.#ex, encodeRecord(record), ttl, key, `${this.#prefix}t:`, ...record.tags),
    );
  }

  async delete(key: string): Promise<boolean> {
    const n = await this.#conn.run((c) => (c as ScriptClient).efDel(this.#entryKey(key), this.#ix, this.#ex, key));
    return n === 1;
  }

  async purgePrefix(prefix: string): Promise<number> {
    let total = 0;
    for (;;) {
      const [n, seen] = await this.#conn.runOrThrow((c) =>
        (c as ScriptClient).efPurgePrefix(this.#ix, this.#ex, prefix, `${this.#prefix}e:`, PURGE_BATCH, RESPONSE_TYPE_BYTE),
      );
      total += n;
      if (seen < PURGE_BATCH) return total;
    }
  }

  /** Removes exactly these keys (a URL purge); returns how many responses went. */
  async purgeKeys(keys: readonly string[]): Promise<number> {
    if (keys.length === 0) return 0;
    return this.#conn.runOrThrow((c) => (c as ScriptClient).efPurgeKeys(this.#ix, this.#ex, `${this.#prefix}e:`, RESPONSE_TYPE_BYTE, ...keys));
  }

  async purgeTag(tag: string): Promise<number> {
    let total = 0;
    for (;;) {
      const [n, seen] = await this.#conn.runOrThrow((c) =>
        (c as ScriptClient).efPurgeTag(`${this.#prefix}t:${tag}`, this.#ix, this.#ex, `${this.#prefix}e:`, PURGE_BATCH, RESPONSE_TYPE_BYTE),
      );
      total += n;
      if (seen < PURGE_BATCH) return total;
    }
  }

  /** Prunes index members of expired records; returns how many went. */
  async sweep(): Promise<number> {
    let total = 0;
    for (let i = 0; i < 20; i++) {
      const n = (await this.#conn.run((c) => (c as ScriptClient).efSweep(this.#ix, this.#ex, PURGE_BATCH))) ?? 0;
      total += n;
      if (n < PURGE_BATCH) break;
    }
    return total;
  }

  /** Indexed records and the server's memory use, for the tier's gauges; undefined when down. */
  async stats(): Promise<{ entries: number; bytes: number } | undefined> {
    const entries = await this.#conn.run((c) => c.zcard(this.#ix));
    const info = await this.#conn.run((c) => c.info("memory"));
    if (entries === undefined || info === undefined) return undefined;
    const bytes = Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0);
    return { entries, bytes };
  }

  async close(): Promise<void> {
    clearInterval(this.#sweep);
  }

  get #ix(): string {
    return `${this.#prefix}ix`;
  }

  get #ex(): string {
    return `${this.#prefix}ex`;
  }

  #entryKey(key: string): string {
    return `${this.#prefix}e:${key}`;
  }
}
