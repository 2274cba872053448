/**
 * The proxy's view of the cache layers: one HttpCacheLayer per CacheConfig,
 * kept across reloads while its config is unchanged (so a SIGHUP keeps what
 * is cached). The cache module is loaded on demand: a proxy whose config has
 * no caches never loads it, and one that cannot load it still proxies
 * (cached routes are then forwarded uncached, and that is logged once).
 */
import type { Registry } from "prom-client";
import type { CacheConfig } from "../../plan/proxy-config.js";
import type { HttpCacheLayer } from "../upstream/contracts.js";
import type { Logger } from "./log.js";

export interface PurgeRequest {
  url?: string;
  prefix?: string;
  surrogateKey?: string;
}

interface Held {
  json: string;
  layer: HttpCacheLayer;
}

type CacheModule = { createCacheLayer(config: CacheConfig, deps: { registry: Registry; logger: Logger }): HttpCacheLayer };

export class CacheLayers {
  private held = new Map<string, Held>();
  private module: Promise<CacheModule | undefined> | undefined;

  constructor(
    private readonly registry: Registry,
    private readonly logger: Logger,
  ) {}

  /**
   * Makes the layers match `configs`: unchanged ones are kept, changed or
   * removed ones are closed once `retire` resolves (in-flight requests of
   * the previous config may still use them).
   */
  async apply(configs: readonly CacheConfig[], retire: Promise<void> = Promise.resolve()): Promise<void> {
    const next = new Map<string, Held>();
    const closing: HttpCacheLayer[] = [];
    for (const config of configs) {
      const json = JSON.stringify(config);
      const old = this.held.get(config.name);
      if (old && old.json === json) {
        next.set(config.name, old);
        continue;
      }
      if (old) closing.push(old.layer);
      const layer = await this.create(config);
      if (layer) next.set(config.name, { json, layer });
    }
    for (const [name, old] of this.held) if (!next.has(name) && !closing.includes(old.layer)) closing.push(old.layer);
    this.held = next;
    if (closing.length > 0) void retire.then(() => Promise.all(closing.map((l) => l.close().catch(() => {}))));
  }

  get(name: string): HttpCacheLayer | undefined {
    return this.held.get(name)?.layer;
  }

  /** Purges from one named cache, or from every cache; returns entries removed locally. */
  async purge(selector: PurgeRequest, cache?: string): Promise<number> {
    const targets = cache === undefined ? [...this.held.values()] : [this.held.get(cache)].filter((h): h is Held => h !== undefined);
    const counts = await Promise.all(targets.map((h) => h.layer.purge(selector)));
    return counts.reduce((a, b) => a + b, 0);
  }

  has(name: string): boolean {
    return this.held.has(name);
  }

  async close(): Promise<void> {
    const all = [...this.held.values()];
    this.held.clear();
    await Promise.all(all.map((h) => h.layer.close().catch(() => {})));
  }

  private async create(config: CacheConfig): Promise<HttpCacheLayer | undefined> {
    this.module ??= import("../cache/index.js").then(
      (m) => m as unknown as CacheModule,
      (err: unknown) => {
        this.logger.error({ event: "cache-unavailable", err: String(err) }, "the cache module could not be loaded; cached routes are forwarded without caching");
        return undefined;
      },
    );
    const mod = await this.module;
    return mod?.createCacheLayer(config, { registry: this.registry, logger: this.logger });
  }
}
