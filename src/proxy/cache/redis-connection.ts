/**
 * The connection to the shared Redis tier, and its health. The cache must keep
 * serving when Redis is slow or gone: commands fail fast instead of queueing
 * (no offline queue, a command timeout), and after a failure the tier counts
 * as down — skipped without waiting — until ioredis reconnects or a probe
 * answers. Each incident is logged once, not once per request.
 */
import { Redis } from "ioredis";
import type { Logger } from "pino";
import type { CacheConfig } from "../../plan/proxy-config.js";

export interface RedisEndpoint {
  url: string;
  password?: string;
  timeoutMs: number;
}

/** The URL (a deploy-time environment override wins) and password from the environment. */
export function resolveRedisEndpoint(redis: NonNullable<CacheConfig["redis"]>, env: NodeJS.ProcessEnv = process.env): RedisEndpoint {
  const url = (redis.urlEnv && env[redis.urlEnv]) || redis.url;
  const password = redis.passwordEnv ? env[redis.passwordEnv] : undefined;
  return password ? { url, password, timeoutMs: redis.timeoutMs } : { url, timeoutMs: redis.timeoutMs };
}

export interface RedisHealthHooks {
  /** A command failed or timed out. */
  onError(): void;
  /** Up/down changed (also called once at start with false). */
  onState(up: boolean): void;
}

/** How often a tripped-but-connected tier is probed (e.g. after timeouts). */
const PROBE_INTERVAL_MS = 1000;

export class RedisConnection {
  readonly client: Redis;
  readonly #logger: Logger;
  readonly #hooks: RedisHealthHooks;
  readonly #endpoint: RedisEndpoint;
  #tripped = false;
  #incident = false;
  #probe: NodeJS.Timeout | undefined;
  #closed = false;
  #readyWaiters: Array<() => void> = [];
  #corked = false;

  constructor(endpoint: RedisEndpoint, logger: Logger, hooks: RedisHealthHooks) {
    this.#endpoint = endpoint;
    this.#logger = logger;
    this.#hooks = hooks;
    this.client = new Redis(endpoint.url, {
      ...(endpoint.password ? { password: endpoint.password } : {}),
      // Fail fast: a queued command would hold a client request hostage.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: endpoint.timeoutMs,
      connectTimeout: Math.max(endpoint.timeoutMs * 4, 1000),
      // Reconnect forever, backing off to 2 s between attempts.
      retryStrategy: (times: number) => Math.min(50 * 2 ** Math.min(times, 6), 2000),
      // Auto-pipelining defers every command to setImmediate and builds a
      // Pipeline per batch: an L2 hit waited ~14 µs longer on an idle
      // connection (bench/cache/cache-hits.ts). #coalesce batches under load.
      enableAutoPipelining: false,
      lazyConnect: false,
    });
    hooks.onState(false);
    this.client.on("ready", () => this.#markUp());
    this.client.on("error", (err: Error) => this.#markDown(err));
    this.client.on("close", () => this.#markDown(undefined));
  }

  /** Commands are worth trying: connected and not tripped by recent failures. */
  get up(): boolean {
    return !this.#tripped && this.client.status === "ready";
  }

  get timeoutMs(): number {
    return this.#endpoint.timeoutMs;
  }

  /** Resolves when the tier is up (or after `timeoutMs`, false). */
  whenUp(timeoutMs: number): Promise<boolean> {
    if (this.up) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#readyWaiters = this.#readyWaiters.filter((w) => w !== done);
        resolve(false);
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.#readyWaiters.push(done);
    });
  }

  /** Runs a command if the tier is up; undefined when it is down or the command fails. */
  async run<T>(fn: (client: Redis) => Promise<T>): Promise<T | undefined> {
    if (!this.up) return undefined;
    this.#coalesce();
    try {
      return await fn(this.client);
    } catch (err) {
      this.failed(err);
      return undefined;
    }
  }

  /** Runs a command that must not fail silently (purges); rejects when the tier is down. */
  async runOrThrow<T>(fn: (client: Redis) => Promise<T>): Promise<T> {
    if (!this.up) throw new Error(`Redis at ${this.#redactedUrl()} is unavailable`);
    this.#coalesce();
    try {
      return await fn(this.client);
    } catch (err) {
      this.failed(err);
      throw err;
    }
  }

  /** Records a failed command and trips the tier. */
  failed(err: unknown): void {
    this.#hooks.onError();
    // Per-command detail only at debug level: the incident itself is logged once, below.
    this.#logger.debug({ err: err instanceof Error ? err.message : String(err) }, "Redis command failed");
    this.#tripped = true;
    this.#markDown(err instanceof Error ? err : new Error(String(err)));
    this.#startProbe();
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#probe) clearInterval(this.#probe);
    this.client.removeAllListeners("error");
    this.client.on("error", () => {});
    try {
      if (this.client.status === "ready") await Promise.race([this.client.quit(), new Promise((r) => setTimeout(r, 200))]);
    } catch {
      // Closing a broken connection: nothing to report.
    }
    this.client.disconnect();
  }

  /**
   * Under load, commands issued in one turn of the event loop leave in one
   * write: while replies are still due, the socket is corked until the loop's
   * check phase. An idle connection writes at once, so a lone GET never waits.
   */
  #coalesce(): void {
    if (this.#corked || this.client.commandQueue.length === 0) return;
    const stream = this.client.stream;
    this.#corked = true;
    stream.cork();
    setImmediate(() => {
      this.#corked = false;
      stream.uncork();
    });
  }

  #markUp(): void {
    if (this.#closed) return;
    this.#tripped = false;
    if (this.#probe) clearInterval(this.#probe);
    this.#probe = undefined;
    if (this.#incident) this.#logger.info({ redis: this.#redactedUrl() }, "Redis cache tier is back; using it again");
    this.#incident = false;
    this.#hooks.onState(true);
    const waiters = this.#readyWaiters;
    this.#readyWaiters = [];
    for (const w of waiters) w();
  }

  #markDown(err: Error | undefined): void {
    if (this.#closed) return;
    this.#hooks.onState(false);
    if (this.#incident) return;
    this.#incident = true;
    this.#logger.warn(
      { redis: this.#redactedUrl(), err: err?.message },
      "Redis cache tier unavailable; serving from memory and origin until it returns",
    );
  }

  #startProbe(): void {
    if (this.#probe || this.#closed) return;
    this.#probe = setInterval(() => {
      // A disconnected client reconnects by itself and emits "ready"; probe only a connected one.
      if (this.client.status !== "ready") return;
      this.client.ping().then(() => this.#markUp(), () => this.#hooks.onError());
    }, PROBE_INTERVAL_MS);
    this.#probe.unref();
  }

  #redactedUrl(): string {
    return this.#endpoint.url.replace(/\/\/[^@/]*@/, "//***@");
  }
}
