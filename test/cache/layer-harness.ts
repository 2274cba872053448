/**
 * Drives a cache layer the way the proxy does: CacheRequest in, an
 * UpstreamFetch that reaches the scripted origin through undici, and the
 * returned body read to the end.
 */
import type { IncomingHttpHeaders } from "node:http";
import type { Logger } from "pino";
import { Registry } from "prom-client";
import { Agent, request } from "undici";
import type { CacheConfig, RouteCacheConfig } from "../../src/plan/proxy-config.js";
import type { CacheRequest, UpstreamFetch } from "../../src/proxy/upstream/contracts.js";
import { createCacheLayer, type CacheLayer } from "../../src/proxy/cache/index.js";
import { silentLogger } from "./helpers.js";
import { ScriptedOrigin } from "./origin.js";

export class FakeClock {
  // Whole seconds, like HTTP dates, so ages in tests are exact.
  t = Math.floor(Date.now() / 1000) * 1000;
  readonly now = (): number => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
}

export interface Result {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  cacheStatus: string;
}

export interface FetchLog {
  extraHeaders: Array<Record<string, string> | undefined>;
  background: boolean[];
}

export function cacheConfig(overrides: Partial<CacheConfig> = {}): CacheConfig {
  return {
    name: "edge",
    memory: { maxBytes: 16 * 1024 * 1024, maxObjectBytes: 1024 * 1024 },
    heuristicFreshness: false,
    defaultStaleIfErrorMs: 0,
    ...overrides,
  };
}

export const ROUTE: RouteCacheConfig = { cache: "edge", keyQuery: "keep", cacheSetCookie: false };

const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "host", "upgrade", "te", "trailer", "proxy-connection"]);

export class LayerHarness {
  readonly log: FetchLog = { extraHeaders: [], background: [] };
  route: RouteCacheConfig = ROUTE;
  /** False when the origin was given to start() and belongs to the caller. */
  ownsOrigin = true;

  constructor(
    readonly layer: CacheLayer,
    readonly origin: ScriptedOrigin,
    readonly agent: Agent,
    readonly clock: FakeClock,
    readonly registry: Registry,
  ) {}

  static async start(options: { config?: Partial<CacheConfig>; route?: Partial<RouteCacheConfig>; origin?: ScriptedOrigin; clock?: FakeClock; registry?: Registry; logger?: Logger } = {}): Promise<LayerHarness> {
    const clock = options.clock ?? new FakeClock();
    const origin = options.origin ?? (await ScriptedOrigin.start(clock.now));
    const registry = options.registry ?? new Registry();
    const layer = createCacheLayer(cacheConfig(options.config), { registry, logger: options.logger ?? silentLogger, now: clock.now });
    const h = new LayerHarness(layer, origin, new Agent({ keepAliveTimeout: 1000, connections: 64 }), clock, registry);
    h.route = { ...ROUTE, ...options.route };
    h.ownsOrigin = options.origin === undefined;
    return h;
  }

  fetchFor(req: CacheRequest): UpstreamFetch {
    return async (extra, options) => {
      this.log.extraHeaders.push(extra);
      this.log.background.push(options?.background ?? false);
      const headers: Record<string, string | string[]> = {};
      for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) headers[k] = v;
      Object.assign(headers, extra);
      const res = await request(`${this.origin.url}${req.url}`, { method: req.method as "GET", headers, dispatcher: this.agent });
      return { status: res.statusCode, headers: res.headers as IncomingHttpHeaders, body: res.body, backend: `127.0.0.1:${this.origin.port}` };
    };
  }

  /** One request through the layer; the body is read to the end. */
  async send(path: string, headers: IncomingHttpHeaders = {}, method = "GET"): Promise<Result> {
    const req: CacheRequest = { method, url: path, host: "shop.test", scheme: "https", headers };
    const res = await this.layer.handle(req, this.route, this.fetchFor(req));
    const chunks: Buffer[] = [];
    for await (const c of res.body) chunks.push(Buffer.from(c as Buffer));
    return { status: res.status, headers: res.headers, body: Buffer.concat(chunks).toString(), cacheStatus: String(res.headers["cache-status"] ?? "") };
  }

  async metric(name: string, labels: Record<string, string>): Promise<number> {
    const m = this.registry.getSingleMetric(name);
    if (!m) return 0;
    const data = await m.get();
    const v = data.values.find((x) => Object.entries(labels).every(([k, val]) => x.labels[k] === val));
    return v?.value ?? 0;
  }

  async close(): Promise<void> {
    await this.layer.close();
    await this.agent.close();
    if (this.ownsOrigin) await this.origin.close();
  }
}
