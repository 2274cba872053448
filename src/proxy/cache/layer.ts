/**
 * The HTTP cache layer: for each request on a cached route, look the response
 * up (memory, then Redis), and serve it, revalidate it, serve it stale while
 * refreshing, or fetch and store — coalescing concurrent fetches of one key.
 * The RFC rules live in policy.ts and friends; this file only sequences them.
 */
import type { Logger } from "pino";
import { EdgeformError } from "../../errors.js";
import type { RouteCacheConfig } from "../../plan/proxy-config.js";
import type { CacheRequest, HttpCacheLayer, UpstreamFetch, UpstreamResponse } from "../upstream/contracts.js";
import { discardBody, readBody, teeBody } from "./body.js";
import type { CacheStatusParams, ForwardReason } from "./cache-status.js";
import { isConditionalRequest, revalidationHeaders } from "./conditional.js";
import { requestDirectives, responseDirectives, type RequestDirectives } from "./directives.js";
import type { StoredResponse, VaryMarker } from "./entry.js";
import { Flights, type Flight, type FlightOutcome } from "./flights.js";
import { freshen, notModifiedApplies } from "./freshen.js";
import { invalidationTargets } from "./invalidation.js";
import { planPurge, primaryKey, type PurgePlan, type PurgeSelector } from "./key.js";
import type { CacheMetrics } from "./metrics.js";
import {
  buildStoredResponse, decideReuse, isCacheableMethod, isServerError, isUnsafeMethod, staleIfErrorAllows, ttl,
  uncacheableReason, usableForRequest, type PolicyOptions, type RequestLike, type ResponseLike,
} from "./policy.js";
import type { PurgeBus } from "./purge-bus.js";
import type { RedisConnection } from "./redis-connection.js";
import { contentLength, gatewayTimeout, passOn, serveStored, withBody } from "./respond.js";
import type { TieredStore } from "./tiered-store.js";
import { findVariant, forgetVariant, saveVariant, type Lookup } from "./variants.js";
import { parseVary, varyMatches, varyValues } from "./vary.js";

export interface CacheLayerOptions {
  name: string;
  maxObjectBytes: number;
  heuristicFreshness: boolean;
  defaultStaleIfErrorMs: number;
  now: () => number;
  store: TieredStore;
  connection?: RedisConnection;
  bus?: PurgeBus;
  metrics: CacheMetrics;
  logger: Logger;
  /** Undoes registrations made for this layer (stats sources). */
  onClose?: () => void;
}

/** One request's context through the layer. */
interface Exchange {
  req: CacheRequest;
  key: string;
  fetch: UpstreamFetch;
  directives: RequestDirectives;
  policy: PolicyOptions;
  lookup: Lookup;
}

const NO_DIRECTIVES: RequestDirectives = Object.freeze({ noCache: false, noStore: false, onlyIfCached: false });

export class CacheLayer implements HttpCacheLayer {
  readonly name: string;
  readonly #o: CacheLayerOptions;
  readonly #store: TieredStore;
  readonly #metrics: CacheMetrics;
  readonly #now: () => number;
  readonly #flights = new Flights();
  readonly #policies: Record<"cookies" | "noCookies", PolicyOptions>;

  constructor(options: CacheLayerOptions) {
    this.#o = options;
    this.name = options.name;
    this.#store = options.store;
    this.#metrics = options.metrics;
    this.#now = options.now;
    const base = { heuristicFreshness: options.heuristicFreshness, defaultStaleIfErrorMs: options.defaultStaleIfErrorMs };
    this.#policies = { cookies: { ...base, cacheSetCookie: true }, noCookies: { ...base, cacheSetCookie: false } };
  }

  /** The tiers in use: memory, and Redis when configured. */
  get store(): TieredStore {
    return this.#store;
  }

  /** Resolves when the Redis tier is connected and subscribed to purges (true), or after `timeoutMs` (false). */
  async ready(timeoutMs = 5000): Promise<boolean> {
    const { connection, bus } = this.#o;
    if (!connection) return true;
    const timeout = new Promise<boolean>((r) => setTimeout(() => r(false), timeoutMs).unref());
    const up = await connection.whenUp(timeoutMs);
    return up && (await Promise.race([bus ? bus.subscribed() : Promise.resolve(true), timeout]));
  }

  async handle(req: CacheRequest, route: RouteCacheConfig, fetch: UpstreamFetch): Promise<UpstreamResponse> {
    if (!isCacheableMethod(req.method)) return this.#forwardOtherMethod(req, route, fetch);
    const key = primaryKey(req.scheme, req.host, req.url, route.keyQuery);
    if (key === undefined) {
      this.#metrics.request("bypass");
      return passOn(await fetch(), { fwd: "bypass", detail: "target" });
    }
    const h = req.headers;
    const directives = h["cache-control"] === undefined && h.pragma === undefined ? NO_DIRECTIVES : requestDirectives(h);
    const lookup = await findVariant(this.#store, key, req.headers);
    const x: Exchange = { req, key, fetch, directives, policy: route.cacheSetCookie ? this.#policies.cookies : this.#policies.noCookies, lookup };
    const entry = lookup.entry;
    if (entry && usableForRequest(entry, req)) {
      const now = this.#now();
      const reuse = decideReuse(entry, directives, now);
      this.#countLookup(lookup, reuse.action === "fresh" ? "hit" : "stale");
      switch (reuse.action) {
        case "fresh":
          this.#metrics.request("hit");
          return serveStored(req, entry, lookup.tier === "redis" ? { hit: true, ttlMs: reuse.ttlMs, detail: "l2" } : { hit: true, ttlMs: reuse.ttlMs }, now);
        case "stale-ok":
          this.#metrics.request("stale");
          return serveStored(req, entry, { hit: true, ttlMs: reuse.ttlMs, detail: "max-stale" }, now);
        case "stale-while-revalidate":
          if (req.method === "GET") this.#refreshInBackground(x, entry);
          this.#metrics.request("stale");
          this.#metrics.staleServed("while-revalidate");
          return serveStored(req, entry, { hit: true, ttlMs: reuse.ttlMs, detail: "stale-while-revalidate" }, now);
        case "validate":
          if (directives.onlyIfCached) return this.#onlyIfCachedMiss();
          return this.#revalidate(x, entry, reuse.reason === "stale" || reuse.reason === "no-cache" ? "stale" : "request");
      }
    }
    this.#countLookup(lookup, entry ? "hit" : undefined);
    if (directives.onlyIfCached) return this.#onlyIfCachedMiss();
    // §3.5: a stored response that may not answer an authorized request.
    return this.#fetchFresh(x, entry ? "request" : lookup.varyMiss ? "vary-miss" : "miss");
  }

  async purge(selector: PurgeSelector): Promise<number> {
    const plan = planPurge(selector);
    const local = this.#store.purgeLocal(plan);
    if (!this.#store.redis) return local;
    try {
      const shared = await this.#store.purgeShared(plan);
      await this.#o.bus?.publish(plan);
      return Math.max(local, shared);
    } catch (err) {
      throw new EdgeformError(
        "EF_PROXY_CACHE_PURGE",
        `cache "${this.name}": purged ${local} response(s) from this replica's memory, but the shared Redis tier could not be purged (${(err as Error).message}); Redis and the other replicas may still serve them`,
        { hint: "retry the purge once Redis is reachable again (metric edgeform_cache_redis_up shows when)", cause: err },
      );
    }
  }

  async close(): Promise<void> {
    this.#o.onClose?.();
    await this.#o.bus?.close();
    await this.#store.close();
    await this.#o.connection?.close();
  }

  #countLookup(lookup: Lookup, result: "hit" | "stale" | undefined): void {
    for (const tier of lookup.missed) this.#metrics.lookup(tier, "miss");
    if (result && lookup.tier) this.#metrics.lookup(lookup.tier, result);
  }

  // ── fetching ──────────────────────────────────────────────────────────────

  /** A miss: join a fetch in flight for this key, or make one (and let others join it). */
  async #fetchFresh(x: Exchange, fwd: ForwardReason): Promise<UpstreamResponse> {
    // Range and HEAD responses cannot be stored, so they neither lead nor share a fetch.
    if (x.req.method !== "GET" || x.req.headers.range !== undefined) return this.#fetchAndAdmit(x, { fwd }, undefined);
    const inflight = this.#flights.get(x.key);
    if (inflight) return this.#follow(x, inflight, fwd);
    return this.#fetchAndAdmit(x, { fwd }, this.#flights.start(x.key));
  }

  async #follow(x: Exchange, inflight: Promise<FlightOutcome>, fwd: ForwardReason): Promise<UpstreamResponse> {
    this.#metrics.coalesced();
    const outcome = await inflight;
    const now = this.#now();
    const e = outcome.entry;
    // The leader's response came from upstream just now, so it satisfies a no-cache request too.
    if (e && varyMatches(e.vary, x.req.headers) && usableForRequest(e, x.req)) {
      this.#metrics.request(fwd === "stale" ? "revalidated" : "miss");
      return serveStored(x.req, e, { fwd, collapsed: true, ttlMs: ttl(e, now) }, now);
    }
    const stale = x.lookup.entry;
    if (outcome.failed && stale && usableForRequest(stale, x.req) && staleIfErrorAllows(stale, now)) return this.#serveStaleOnError(x, stale, fwd, undefined);
    return this.#fetchAndAdmit(x, { fwd, collapsed: false }, undefined);
  }

  async #fetchAndAdmit(x: Exchange, status: CacheStatusParams, flight: Flight | undefined): Promise<UpstreamResponse> {
    const requestTime = this.#now();
    let res: UpstreamResponse;
    try {
      res = await x.fetch();
    } catch (err) {
      flight?.resolve({ failed: true });
      throw err;
    }
    return this.#admit(x, res, requestTime, status, flight, undefined);
  }

  /**
   * A full response from upstream: store it while streaming it to the client
   * when RFC 9111 and the size limit allow, otherwise pass it on. `replaces`
   * is the stored response it supersedes (after a revalidation), dropped when
   * the new one is not stored.
   */
  #admit(x: Exchange, res: UpstreamResponse, requestTime: number, status: CacheStatusParams, flight: Flight | undefined, replaces: StoredResponse | undefined): UpstreamResponse {
    if (isServerError(res.status)) flight?.resolve({ failed: true });
    const { entry, skip } = this.#prepare(x, res, requestTime);
    if (!entry || skip) {
      flight?.resolve({});
      if (replaces && res.status < 500) void this.#forget(x.key, replaces);
      this.#metrics.request(skip === "head" ? "miss" : "uncacheable");
      return passOn(res, skip === "head" ? status : { ...status, detail: skip });
    }
    const tee = teeBody(res.body, this.#o.maxObjectBytes);
    void tee.done.then((body) => {
      if (!body) {
        flight?.resolve({});
        if (replaces) void this.#forget(x.key, replaces);
        return;
      }
      const stored = withBody(entry, body);
      flight?.resolve({ entry: stored });
      return this.#save(x.key, stored, x.lookup.marker);
    }).catch((err: unknown) => this.#o.logger.error({ err }, "storing a cached response failed"));
    this.#metrics.request(status.fwd === "stale" ? "revalidated" : "miss");
    // "stored" only when the length is known to fit; a chunked body may still turn out too large.
    return passOn({ ...res, body: tee.body }, contentLength(res.headers) !== undefined ? { ...status, stored: true } : status);
  }

  /**
   * The stored form of a full upstream response (body still to come), or why
   * it will not be stored: an RFC 9111 reason, "head" (no body to keep), or
   * "too-large" (announced length above the object limit).
   */
  #prepare(x: Exchange, res: UpstreamResponse, requestTime: number): { entry?: StoredResponse; skip?: string } {
    const reason = uncacheableReason(x.req, res, responseDirectives(res.headers), x.directives, x.policy);
    if (reason) return { skip: reason };
    const names = parseVary(res.headers);
    const entry = buildStoredResponse({
      url: x.key, req: x.req, res, body: Buffer.alloc(0), requestTime, responseTime: this.#now(),
      ...(names.length ? { vary: { names, values: varyValues(x.req.headers, names) } } : {}),
    }, x.policy);
    if (!entry) return { skip: "no-freshness" };
    if (x.req.method === "HEAD") return { entry, skip: "head" };
    const length = contentLength(res.headers);
    if (length !== undefined && length > this.#o.maxObjectBytes) return { entry, skip: "too-large" };
    return { entry };
  }

  // ── validation ────────────────────────────────────────────────────────────

  async #revalidate(x: Exchange, entry: StoredResponse, fwd: ForwardReason): Promise<UpstreamResponse> {
    const inflight = this.#flights.get(x.key);
    if (inflight) return this.#follow(x, inflight, fwd);
    const flight = this.#flights.start(x.key);
    const requestTime = this.#now();
    let res: UpstreamResponse;
    try {
      res = await this.#fetchConditional(x, entry, false);
    } catch (err) {
      flight.resolve({ failed: true });
      this.#metrics.revalidation("error");
      if (staleIfErrorAllows(entry, this.#now())) return this.#serveStaleOnError(x, entry, fwd, undefined);
      throw err;
    }
    switch (this.#judge(x, entry, res)) {
      case "not-ours":
        // A 304 about the client's own validators, not our stored response: it answers the client.
        flight.resolve({});
        this.#metrics.revalidation("modified");
        this.#metrics.request("uncacheable");
        return passOn(res, { fwd, fwdStatus: 304 });
      case "not-modified": {
        discardBody(res.body);
        this.#metrics.request("revalidated");
        const fresh = this.#applyNotModified(x, entry, res, requestTime, flight);
        const now = this.#now();
        return serveStored(x.req, fresh.entry, { fwd, fwdStatus: 304, ttlMs: ttl(fresh.entry, now), stored: fresh.stored }, now);
      }
      case "error":
        if (staleIfErrorAllows(entry, this.#now())) {
          flight.resolve({ failed: true });
          discardBody(res.body);
          return this.#serveStaleOnError(x, entry, fwd, res.status);
        }
        break;
      case "modified":
        break;
    }
    return this.#admit(x, res, requestTime, { fwd, fwdStatus: res.status }, flight, entry);
  }

  /** Fetches with the stored response's validators (If-None-Match / If-Modified-Since) when it has any. */
  #fetchConditional(x: Exchange, entry: StoredResponse, background: boolean): Promise<UpstreamResponse> {
    const conditional = revalidationHeaders(entry);
    const extra = Object.keys(conditional).length ? conditional : undefined;
    return background ? x.fetch(extra, { background: true }) : x.fetch(extra);
  }

  /**
   * What the answer to a validation request says about the stored response
   * (RFC 9111 §4.3.3, §4.3.4), for the foreground and the background path
   * alike, counted in the revalidation metric (except a 304 that is not
   * ours: the caller decides what it means).
   */
  #judge(x: Exchange, entry: StoredResponse, res: UpstreamResponse): "not-modified" | "not-ours" | "error" | "modified" {
    if (res.status === 304) {
      if (!notModifiedApplies(entry, res.headers, !isConditionalRequest(x.req.headers))) return "not-ours";
      this.#metrics.revalidation("not-modified");
      return "not-modified";
    }
    if (isServerError(res.status)) {
      this.#metrics.revalidation("error");
      return "error";
    }
    this.#metrics.revalidation("modified");
    return "modified";
  }

  /** §4.3.4: freshen with a 304 and store the result, unless its merged headers now forbid storing. */
  #applyNotModified(x: Exchange, entry: StoredResponse, res: ResponseLike, requestTime: number, flight: Flight): { entry: StoredResponse; stored: boolean } {
    const fresh = freshen(entry, res.headers, requestTime, this.#now(), x.policy);
    const merged: ResponseLike = { status: fresh.status, headers: fresh.headers };
    const storable = uncacheableReason(x.req as RequestLike, merged, responseDirectives(fresh.headers), x.directives, x.policy) === undefined && fresh.expiresAt > this.#now();
    if (storable) {
      flight.resolve({ entry: fresh });
      void this.#save(x.key, fresh, x.lookup.marker);
    } else {
      flight.resolve({});
      void this.#forget(x.key, entry);
    }
    return { entry: fresh, stored: storable };
  }

  #serveStaleOnError(x: Exchange, entry: StoredResponse, fwd: ForwardReason, fwdStatus: number | undefined): UpstreamResponse {
    this.#metrics.request("stale");
    this.#metrics.staleServed("if-error");
    const now = this.#now();
    const status: CacheStatusParams = { fwd, ttlMs: ttl(entry, now), detail: "stale-if-error" };
    if (fwdStatus !== undefined) status.fwdStatus = fwdStatus;
    return serveStored(x.req, entry, status, now);
  }

  /** RFC 5861 §3: refresh a stale-while-revalidate response without holding up the client. */
  #refreshInBackground(x: Exchange, entry: StoredResponse): void {
    if (this.#flights.get(x.key)) return;
    const flight = this.#flights.start(x.key);
    const run = async (): Promise<void> => {
      const requestTime = this.#now();
      let res: UpstreamResponse;
      try {
        res = await this.#fetchConditional(x, entry, true);
      } catch {
        this.#metrics.revalidation("error");
        flight.resolve({ failed: true });
        return;
      }
      const verdict = this.#judge(x, entry, res);
      if (verdict !== "modified") {
        // Nothing to store from the answer itself: a 304 freshens what is stored, an error leaves it.
        discardBody(res.body);
        if (verdict === "not-modified") this.#applyNotModified(x, entry, res, requestTime, flight);
        else if (verdict === "error") flight.resolve({ failed: true });
        return;
      }
      const { entry: built, skip } = this.#prepare(x, res, requestTime);
      const body = built && !skip ? await readBody(res.body, this.#o.maxObjectBytes) : undefined;
      if (!built || !body) {
        res.body.destroy();
        await this.#forget(x.key, entry);
        return;
      }
      const stored = withBody(built, body);
      flight.resolve({ entry: stored });
      await this.#save(x.key, stored, x.lookup.marker);
    };
    run()
      .catch((err: unknown) => this.#o.logger.warn({ err, url: x.key }, "background cache refresh failed"))
      .finally(() => flight.resolve({}));
  }

  #onlyIfCachedMiss(): UpstreamResponse {
    this.#metrics.request("miss");
    return gatewayTimeout();
  }

  // ── storing and invalidating ──────────────────────────────────────────────

  #save(key: string, entry: StoredResponse, marker: VaryMarker | undefined): Promise<void> {
    return saveVariant(this.#store, key, entry, marker, this.#now());
  }

  #forget(key: string, entry: StoredResponse): Promise<void> {
    return forgetVariant(this.#store, key, entry);
  }

  /** Methods other than GET/HEAD: forwarded; unsafe ones invalidate what they touched (§4.4). */
  async #forwardOtherMethod(req: CacheRequest, route: RouteCacheConfig, fetch: UpstreamFetch): Promise<UpstreamResponse> {
    const res = await fetch();
    const keys = new Set<string>();
    for (const target of invalidationTargets(req, res.status, res.headers)) {
      const k = primaryKey(req.scheme, req.host, target, route.keyQuery);
      if (k) keys.add(k);
    }
    if (keys.size > 0) await this.#invalidate({ kind: "urls", primaryKeys: [...keys] });
    this.#metrics.request("bypass");
    return passOn(res, { fwd: isUnsafeMethod(req.method) ? "method" : "bypass" });
  }

  async #invalidate(plan: PurgePlan): Promise<void> {
    this.#store.purgeLocal(plan);
    if (!this.#store.redis?.connection.up) return;
    try {
      await this.#store.purgeShared(plan);
      await this.#o.bus?.publish(plan);
    } catch {
      // Counted and logged by the connection; a write must not fail because the cache did.
    }
  }
}
