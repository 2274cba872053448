/**
 * The proxy's HTTP cache (RFC 9111 shared cache): an in-memory tier per
 * worker and an optional Redis tier shared by every replica.
 *
 *   const layer = createCacheLayer(config.caches[0], { registry, logger });
 *   const res = await layer.handle(request, route.cache, fetchUpstream);
 */
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { CacheConfig } from "../../plan/proxy-config.js";
import { CacheLayer } from "./layer.js";
import { MemoryStore } from "./memory-store.js";
import { createCacheMetrics, type TierStats } from "./metrics.js";
import { PurgeBus } from "./purge-bus.js";
import { RedisConnection, resolveRedisEndpoint } from "./redis-connection.js";
import { RedisStore } from "./redis-store.js";
import { TieredStore } from "./tiered-store.js";

export { CacheLayer } from "./layer.js";
export { BufferBody } from "./body.js";
export type { PurgeSelector } from "./key.js";

export interface CacheLayerDeps {
  registry: Registry;
  logger: Logger;
  /** Clock (epoch ms); tests pass a fake one. */
  now?: () => number;
}

/** How long Redis gauge readings are reused, so a scrape costs at most one INFO per second. */
const REDIS_STATS_TTL_MS = 1000;

export function createCacheLayer(config: CacheConfig, deps: CacheLayerDeps): CacheLayer {
  const now = deps.now ?? Date.now;
  const logger = deps.logger.child({ cache: config.name });
  const metrics = createCacheMetrics(deps.registry, config.name);
  const memory = new MemoryStore({ maxBytes: config.memory.maxBytes, now, onEvict: () => metrics.eviction("memory") });
  let connection: RedisConnection | undefined;
  let redis: RedisStore | undefined;
  let bus: PurgeBus | undefined;
  const store = (): TieredStore => tiered;
  if (config.redis) {
    connection = new RedisConnection(resolveRedisEndpoint(config.redis), logger, { onError: () => metrics.redisError(), onState: (up) => metrics.redisUp(up) });
    redis = new RedisStore(connection, config.name);
    bus = new PurgeBus(connection, config.name, {
      onPurge: (plan) => store().purgeLocal(plan),
      onMissed: () => memory.clear(),
    }, logger);
  }
  const tiered = new TieredStore(memory, redis, now);

  let redisStats: { at: number; value: TierStats | undefined } | undefined;
  const removeStats = metrics.addStatsSource({
    cache: config.name,
    async stats() {
      const out: TierStats[] = [{ tier: "memory", bytes: memory.bytes, entries: memory.entries }];
      if (redis) {
        if (!redisStats || Date.now() - redisStats.at > REDIS_STATS_TTL_MS) {
          const s = await redis.stats();
          redisStats = { at: Date.now(), value: s && { tier: "redis", ...s } };
        }
        if (redisStats.value) out.push(redisStats.value);
      }
      return out;
    },
  });

  return new CacheLayer({
    name: config.name,
    maxObjectBytes: Math.min(config.memory.maxObjectBytes, config.memory.maxBytes),
    heuristicFreshness: config.heuristicFreshness,
    defaultStaleIfErrorMs: config.defaultStaleIfErrorMs,
    now,
    store: tiered,
    ...(connection ? { connection } : {}),
    ...(bus ? { bus } : {}),
    metrics,
    logger,
    onClose: removeStats,
  });
}
