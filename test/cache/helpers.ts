/** Small shared pieces for the cache tests: a silent logger, Redis-backed stores, polling. */
import { pino } from "pino";
import { RedisConnection } from "../../src/proxy/cache/redis-connection.js";
import { RedisStore } from "../../src/proxy/cache/redis-store.js";

export const silentLogger = pino({ level: "silent" });

export interface ConnectionProbe {
  errors: number;
  states: boolean[];
}

/**
 * A RedisStore on its own connection, waiting until the connection is up.
 * The default command timeout is generous: tests that are not about timeouts
 * must not trip the tier when a loaded machine stalls Redis for a moment;
 * tests about timeouts pass their own.
 */
export async function redisStore(url: string, namespace: string, timeoutMs = 5_000): Promise<{ store: RedisStore; connection: RedisConnection; probe: ConnectionProbe; close(): Promise<void> }> {
  const probe: ConnectionProbe = { errors: 0, states: [] };
  const connection = new RedisConnection({ url, timeoutMs }, silentLogger, {
    onError: () => void probe.errors++,
    onState: (up) => void probe.states.push(up),
  });
  if (!(await connection.whenUp(5000))) throw new Error(`Redis at ${url} did not come up`);
  const store = new RedisStore(connection, namespace);
  return {
    store,
    connection,
    probe,
    async close() {
      await store.close();
      await connection.close();
    },
  };
}

export { eventually } from "../support/net.js";
