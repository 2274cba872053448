/**
 * Purges and invalidations reach every replica's memory tier through a Redis
 * pub/sub channel: the replica that purges Redis publishes what it purged and
 * the others drop the same keys from memory. Messages sent while a replica
 * was disconnected are lost, so on reconnect it drops its whole memory tier
 * (a refill from Redis is cheap; serving a purged response is not).
 */
import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { PurgePlan } from "./key.js";
import type { RedisConnection } from "./redis-connection.js";

interface PurgeMessage {
  from: string;
  plan: PurgePlan;
}

export interface PurgeBusHandlers {
  onPurge(plan: PurgePlan): void;
  /** Purge messages may have been missed (the subscription was down). */
  onMissed(): void;
}

export class PurgeBus {
  readonly #id = randomUUID();
  readonly #conn: RedisConnection;
  readonly #sub: Redis;
  readonly #channel: string;
  readonly #subscribed: Promise<boolean>;
  #wasConnected = false;
  #lostConnection = false;

  constructor(conn: RedisConnection, namespace: string, handlers: PurgeBusHandlers, logger: Logger) {
    this.#conn = conn;
    this.#channel = `ef:{${namespace}}:purge`;
    // Subscriptions may wait for the connection; they are not on any request's path.
    this.#sub = conn.client.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null, commandTimeout: undefined });
    this.#sub.on("error", () => {
      // The main connection reports incidents; this one only needs to reconnect.
    });
    this.#sub.on("close", () => {
      if (this.#wasConnected) this.#lostConnection = true;
    });
    this.#sub.on("ready", () => {
      this.#wasConnected = true;
      if (this.#lostConnection) {
        this.#lostConnection = false;
        handlers.onMissed();
      }
    });
    this.#sub.on("message", (channel: string, text: string) => {
      if (channel !== this.#channel) return;
      let msg: PurgeMessage;
      try {
        msg = JSON.parse(text) as PurgeMessage;
      } catch {
        logger.warn({ channel }, "ignoring a malformed cache purge message");
        return;
      }
      if (msg.from !== this.#id) handlers.onPurge(msg.plan);
    });
    this.#subscribed = this.#sub.subscribe(this.#channel).then(
      () => true,
      () => false,
    );
  }

  /** Resolves true once subscribed (false if the subscription failed). */
  subscribed(): Promise<boolean> {
    return this.#subscribed;
  }

  /** Tells the other replicas; rejects when Redis is unavailable. */
  async publish(plan: PurgePlan): Promise<void> {
    const msg: PurgeMessage = { from: this.#id, plan };
    await this.#conn.runOrThrow((c) => c.publish(this.#channel, JSON.stringify(msg)));
  }

  async close(): Promise<void> {
    this.#sub.removeAllListeners("close");
    this.#sub.removeAllListeners("ready");
    this.#sub.disconnect();
  }
}
