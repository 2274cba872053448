/**
 * One loopback redis-server per cache with a `redis` section: the shared tier
 * of the cache, with the plan's memory limit and LRU eviction, and nothing
 * written to disk.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { DeploymentPlan } from "../plan/types.js";
import { waitForPort } from "./ports.js";
import type { Spawn, SupervisedProcess } from "./process.js";
import { redisArgs } from "./services.js";

interface RedisServer {
  port: number;
  maxMemoryBytes: number;
  proc: SupervisedProcess;
}

export class RedisServers {
  private readonly servers = new Map<string, RedisServer>();

  constructor(
    private readonly o: { binary: string; stateDir: string; spawn: Spawn; graceMs: number; isStopping: () => boolean; warn: (message: string) => void },
  ) {}

  /** Port of the cache's server, when one runs. */
  port(cache: string): number | undefined {
    return this.servers.get(cache)?.port;
  }

  list(): Array<{ cache: string; port: number }> {
    return [...this.servers].map(([cache, s]) => ({ cache, port: s.port }));
  }

  processes(): SupervisedProcess[] {
    return [...this.servers.values()].map((s) => s.proc);
  }

  /** Start a server for every planned cache tier that has none (or a different memory limit). */
  async start(plan: DeploymentPlan): Promise<void> {
    for (const cache of plan.caches) {
      if (!cache.redis) continue;
      const running = this.servers.get(cache.name);
      if (running && running.maxMemoryBytes === cache.redis.maxMemoryBytes) continue;
      if (running) await running.proc.stop(this.o.graceMs);
      const dir = join(this.o.stateDir, "redis", cache.name);
      await mkdir(dir, { recursive: true });
      const { port, maxMemoryBytes } = cache.redis;
      const proc = this.o.spawn(
        "redis",
        { name: `redis:${cache.name}`, command: { file: this.o.binary, args: redisArgs(port, maxMemoryBytes, dir) }, cwd: dir, env: {}, restart: true, terminate: "group" },
        { port },
      );
      this.servers.set(cache.name, { port, maxMemoryBytes, proc });
      const up = await waitForPort(port, 10_000, () => this.o.isStopping() || proc.exitCount > 0);
      if (!up && !this.o.isStopping()) {
        const last = proc.tail().at(-1);
        this.o.warn(`redis-server for cache "${cache.name}" did not start${last ? `: ${last}` : ""}; the proxy uses the in-memory tier until it does`);
      }
    }
  }

  /** Stop servers of caches the plan no longer gives a redis tier. */
  async stopUnused(plan: DeploymentPlan): Promise<void> {
    const keep = new Set(plan.caches.filter((c) => c.redis).map((c) => c.name));
    for (const [name, s] of [...this.servers]) {
      if (keep.has(name)) continue;
      this.servers.delete(name);
      await s.proc.stop(this.o.graceMs);
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.processes().map((p) => p.stop(this.o.graceMs)));
  }
}
