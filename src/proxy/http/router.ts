/**
 * Route matching: compiled once per config, so a request costs one Map
 * lookup by host plus a walk of a prefix tree along the request path (cost
 * grows with the path, not the number of routes). The first route in config
 * order that matches wins, whatever kind of host match it has: every route
 * keeps its config position, and the walk keeps the lowest that matches.
 */
import type { RouteConfig } from "../../plan/proxy-config.js";
import { PrefixTree } from "./prefix-tree.js";

interface Compiled<T> {
  readonly target: T;
  /** Position in config order: of several matching routes, the lowest wins. */
  readonly position: number;
  readonly pathPrefix: string;
  /** Exact host, or undefined when the route matches any host. */
  readonly host: string | undefined;
  /** ".example.com" for "*.example.com". */
  readonly suffix: string | undefined;
  /** [lower-case name, value] pairs; undefined when the route has none. */
  readonly headers: ReadonlyArray<readonly [string, string]> | undefined;
}

/** The routes one listener serves. */
export class RouteTable<T> {
  /** Exact host → every route that could match it. */
  private readonly byHost = new Map<string, PrefixTree<Compiled<T>>>();
  /** Routes that could match a host that has no exact entry (wildcard or any-host). */
  private readonly otherHosts: PrefixTree<Compiled<T>>;

  constructor(routes: readonly Compiled<T>[]) {
    for (const r of routes) {
      if (r.host !== undefined && !this.byHost.has(r.host)) {
        this.byHost.set(r.host, tree(routes.filter((o) => o.host === r.host || (o.host === undefined && (o.suffix === undefined || r.host!.endsWith(o.suffix))))));
      }
    }
    this.otherHosts = tree(routes.filter((r) => r.host === undefined));
  }

  /**
   * The first matching route. `host` is lower-case without port; `path` is
   * the request target's path (a query may follow); `raw` are the request's
   * headers as forwarded (flat), read only by routes with header conditions.
   */
  match(host: string, path: string, raw: readonly string[]): T | undefined {
    const exact = this.byHost.get(host);
    const request: MatchRequest = { host, raw, checkSuffix: exact === undefined };
    return (exact ?? this.otherHosts).best(path, request, earlierMatch)?.target;
  }
}

interface MatchRequest {
  readonly host: string;
  readonly raw: readonly string[];
  /** The host had no exact entry, so wildcard routes must check their suffix. */
  readonly checkSuffix: boolean;
}

function tree<T>(routes: readonly Compiled<T>[]): PrefixTree<Compiled<T>> {
  const t = new PrefixTree<Compiled<T>>();
  for (const r of routes) t.insert(r.pathPrefix, r);
  return t;
}

/** Whether `r` (whose prefix the path has) matches the request and comes before the best match so far. */
function earlierMatch<T>(r: Compiled<T>, best: Compiled<T> | undefined, request: MatchRequest): boolean {
  if (best !== undefined && best.position < r.position) return false;
  if (request.checkSuffix && r.suffix !== undefined && !request.host.endsWith(r.suffix)) return false;
  return r.headers === undefined || headersMatch(r.headers, request.raw);
}

function headersMatch(conditions: ReadonlyArray<readonly [string, string]>, raw: readonly string[]): boolean {
  for (const [name, value] of conditions) {
    if (!hasHeaderValue(raw, name, value)) return false;
  }
  return true;
}

/** True when some header `name` (lower-case) has exactly `value`. */
function hasHeaderValue(raw: readonly string[], name: string, value: string): boolean {
  for (let i = 0; i < raw.length; i += 2) {
    const n = raw[i]!;
    if (n.length === name.length && n.toLowerCase() === name && raw[i + 1] === value) return true;
  }
  return false;
}

/** Route tables for every HTTP listener of a config. */
export class Router<T> {
  private readonly tables = new Map<string, RouteTable<T>>();

  /**
   * `build` makes the payload a match returns (the server attaches its
   * per-route runtime: selector, fleet, metrics) once per listener × route.
   */
  constructor(routes: readonly RouteConfig[], listeners: readonly string[], build: (route: RouteConfig, listener: string) => T) {
    for (const listener of listeners) {
      const compiled = routes.filter((r) => r.listeners.includes(listener)).map((r, position) => compile(r, build(r, listener), position));
      this.tables.set(listener, new RouteTable(compiled));
    }
  }

  table(listener: string): RouteTable<T> | undefined {
    return this.tables.get(listener);
  }
}

function compile<T>(route: RouteConfig, target: T, position: number): Compiled<T> {
  const host = route.match.host?.toLowerCase();
  const wildcard = host?.startsWith("*.") === true;
  const headers = route.match.headers ? Object.entries(route.match.headers).map(([k, v]) => [k.toLowerCase(), v] as const) : undefined;
  return {
    target,
    position,
    pathPrefix: route.match.pathPrefix || "/",
    host: wildcard ? undefined : host,
    suffix: wildcard ? host!.slice(1) : undefined,
    headers: headers && headers.length > 0 ? headers : undefined,
  };
}
