/**
 * ACME state in the topology's Redis tier. Keys are prefixed per topology and
 * listener. The lock is `SET key token NX PX ttl`; it is extended and
 * released only by its holder (a script compares the token first), so a
 * holder whose time ran out cannot delete the lock a successor took.
 */
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import type { AcmeStorageConfig } from "../../../plan/tls-config.js";
import { resolveRedisEndpoint } from "../../cache/redis-connection.js";
import type { Logger } from "../../runtime/log.js";
import type { AcmeLock, AcmeStorage } from "./storage.js";

const RELEASE = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end`;
const EXTEND = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("pexpire", KEYS[1], ARGV[2]) else return 0 end`;

export class RedisStorage implements AcmeStorage {
  readonly description: string;
  private readonly client: Redis;
  private readonly prefix: string;

  constructor(redis: NonNullable<AcmeStorageConfig["redis"]>, scope: string, logger: Logger, env: NodeJS.ProcessEnv) {
    const endpoint = resolveRedisEndpoint(redis, env);
    this.prefix = `edgeform:acme:${scope}:`;
    this.description = `redis ${endpoint.url.replace(/\/\/[^@/]*@/, "//***@")} (${this.prefix}*)`;
    // Unlike the cache, ACME can wait for Redis: commands queue while it reconnects, each bounded in time.
    this.client = new Redis(endpoint.url, {
      ...(endpoint.password ? { password: endpoint.password } : {}),
      maxRetriesPerRequest: 2,
      commandTimeout: Math.max(endpoint.timeoutMs, 2000),
      connectTimeout: 5000,
      retryStrategy: (times: number) => Math.min(100 * 2 ** Math.min(times, 5), 3000),
    });
    let down = false;
    this.client.on("error", (err: Error) => {
      if (!down) logger.warn({ event: "acme-storage-down", storage: this.description, err: err.message }, "ACME storage unavailable; retrying");
      down = true;
    });
    this.client.on("ready", () => (down = false));
  }

  async get(key: string): Promise<string | undefined> {
    return (await this.client.get(this.prefix + key)) ?? undefined;
  }

  async put(key: string, value: string, ttlMs?: number): Promise<void> {
    if (ttlMs === undefined) await this.client.set(this.prefix + key, value);
    else await this.client.set(this.prefix + key, value, "PX", Math.ceil(ttlMs));
  }

  async delete(key: string): Promise<void> {
    await this.client.del(this.prefix + key);
  }

  async tryLock(name: string, ttlMs: number): Promise<AcmeLock | undefined> {
    const key = `${this.prefix}lock:${name}`;
    const token = randomBytes(16).toString("hex");
    const taken = await this.client.set(key, token, "PX", Math.ceil(ttlMs), "NX");
    if (taken !== "OK") return undefined;
    return {
      extend: async (ms) => (await this.client.eval(EXTEND, 1, key, token, String(Math.ceil(ms)))) === 1,
      release: async () => {
        await this.client.eval(RELEASE, 1, key, token);
      },
    };
  }

  async close(): Promise<void> {
    try {
      await Promise.race([this.client.quit(), new Promise((r) => setTimeout(r, 200))]);
    } catch {
      // Closing a broken connection: nothing to report.
    }
    this.client.disconnect();
  }
}
