/**
 * An HTTP listener: the wiring of listener → route → cache → balancer →
 * forward. The client server (http1/: llhttp in strict mode) parses and
 * polices the client side: malformed, smuggling-shaped or oversized requests
 * never reach the request handler, so no byte of them is forwarded (see
 * limits.ts).
 */
import { randomUUID } from "node:crypto";
import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import type { HttpListenerConfig, ProxyRuntimeConfig } from "../plan/proxy-config.js";
import type { CacheLayers } from "./cache-adapter.js";
import { serveThroughCache } from "./cached.js";
import { DirectExchange } from "./forward/direct.js";
import { sendShort } from "./forward/errors.js";
import type { RouteRuntime } from "./forward/route-runtime.js";
import { forwardRequestHeaders, normalizeHost, unmapIPv4, viaValue, type ForwardedRequest, type ForwardingIdentity } from "./headers.js";
import { bindServer, boundPort, sameAddress } from "./bind.js";
import { createClientServer, type ClientServer, type ProxyRequest, type ProxyResponse } from "./http1/index.js";
import { clientErrorResponse, clientLimits } from "./limits.js";
import type { Logger } from "./log.js";
import type { ProxyMetrics, RequestSeries } from "./metrics.js";
import { recordCompletion, type ListenerContext } from "./request-context.js";
import type { RuntimeState } from "./state.js";
import { proxyUpgrade } from "./upgrade.js";
import { extractHashKey } from "./upstream/index.js";
import { ListenerTls } from "./tls/listener-tls.js";
import { sendHttpsRedirect } from "./tls/redirect.js";

/** What listeners need from the running proxy. */
export interface ProxyHost {
  /** The current config generation (swapped on reload). */
  readonly state: RuntimeState;
  readonly caches: CacheLayers;
  readonly metrics: ProxyMetrics;
  readonly logger: Logger;
}

/** A request resolved to a route, ready to forward. */
export interface ResolvedRequest {
  route: RouteRuntime;
  forwarded: ForwardedRequest;
  /** Origin-form target to send upstream. */
  path: string;
  /** Lower-case host without port. */
  host: string;
}

/** A request the proxy answers itself. */
interface Refusal {
  status: number;
  message: string;
  forwarded: ForwardedRequest | undefined;
  route: RouteRuntime | undefined;
}

const kClient = Symbol("edgeform.client");
type TaggedSocket = Socket & { [kClient]?: string };

/** The client's address (IPv4 unmapped), computed once per connection. */
export function clientAddress(socket: Socket): string {
  const s = socket as TaggedSocket;
  return (s[kClient] ??= unmapIPv4(socket.remoteAddress ?? ""));
}

export class HttpListener implements ListenerContext {
  readonly name: string;
  readonly identity: ForwardingIdentity;
  readonly logger: Logger;
  accessLogger: Logger | undefined;
  private readonly client: ClientServer;
  /** TLS termination, on https listeners. */
  private readonly tls: ListenerTls | undefined;
  /** Sockets handed over to WebSocket/Upgrade tunnels (the http server no longer tracks them). */
  readonly tunnels = new Set<Duplex>();
  private readonly unrouted: RequestSeries;
  private draining = false;
  private drainTimer: NodeJS.Timeout | undefined;
  private readonly onSocketClose: () => void;

  constructor(
    private config: HttpListenerConfig,
    proxyConfig: ProxyRuntimeConfig,
    private readonly host: ProxyHost,
  ) {
    this.name = config.name;
    this.logger = host.logger.child({ listener: config.name });
    this.tls = config.tls === undefined ? undefined : new ListenerTls(config.tls, config.name, this.logger, host.metrics.registry);
    this.identity = { via: viaValue(proxyConfig.name), proto: this.tls === undefined ? "http" : "https", hsts: config.tls?.hsts };
    this.accessLogger = proxyConfig.accessLog ? host.logger.child({ type: "access", listener: config.name }) : undefined;
    const limits = proxyConfig.limits;
    this.unrouted = host.metrics.requestSeries(config.name, "", "", "");
    const metrics = host.metrics;
    const name = config.name;
    this.onSocketClose = () => metrics.connectionClosed(name);
    this.client = createClientServer(clientLimits(limits), {
      request: (req, res) => this.onRequest(req, res),
      upgrade: (req, socket, head) => proxyUpgrade(this, this.host, req, socket, head),
      clientError: (err, socket, answerable) => this.onClientError(err, socket, answerable),
      connection: (socket) => {
        metrics.connectionOpened(name);
        socket.once("close", this.onSocketClose);
      },
    }, undefined, this.tls?.serverOptions());
    if (this.tls !== undefined) this.tls.attach(this.server as import("node:tls").Server);
  }

  private get server(): import("node:net").Server {
    return this.client.server;
  }

  get port(): number {
    return boundPort(this.server, this.config.port);
  }

  /** Whether this listener can keep serving `next` without rebinding. */
  sameSocket(next: HttpListenerConfig): boolean {
    return sameAddress(this.config, next) && (this.tls === undefined) === (next.tls === undefined);
  }

  /** Applies a reloaded config that kept this listener's address. */
  update(config: HttpListenerConfig, proxyConfig: ProxyRuntimeConfig): void {
    this.config = config;
    this.client.update(clientLimits(proxyConfig.limits));
    this.identity.via = viaValue(proxyConfig.name);
    if (this.tls !== undefined && config.tls !== undefined) {
      this.tls.update(config.tls);
      this.identity.hsts = config.tls.hsts;
    }
    this.accessLogger = proxyConfig.accessLog ? this.host.logger.child({ type: "access", listener: config.name }) : undefined;
  }

  listen(reusePort: boolean): Promise<void> {
    return bindServer(this.server, this.config, { reusePort, logger: this.logger });
  }

  /**
   * Graceful close: stop accepting, answer requests already received (with
   * Connection: close), close keep-alive connections as they go idle; after
   * `drainMs`, cut whatever is left.
   */
  close(drainMs: number): Promise<void> {
    this.draining = true;
    this.tls?.close();
    return new Promise((resolve) => {
      const finish = () => {
        if (this.drainTimer) clearInterval(this.drainTimer);
        clearTimeout(deadline);
        resolve();
      };
      this.server.close(() => finish());
      this.client.closeIdleConnections();
      // Connections that were busy go idle one by one; close each as it does.
      this.drainTimer = setInterval(() => this.client.closeIdleConnections(), 100);
      this.drainTimer.unref();
      const deadline = setTimeout(() => {
        this.client.closeAllConnections();
        for (const t of this.tunnels) t.destroy();
      }, drainMs);
      deadline.unref();
    });
  }

  // ── requests ────────────────────────────────────────────────────────────

  private onRequest(req: ProxyRequest, res: ProxyResponse): void {
    const state = this.host.state;
    state.enter();
    const startedAt = performance.now();
    const client = clientAddress(req.socket);
    if (this.draining) res.shouldKeepAlive = false;
    const redirect = this.config.redirectToHttps;
    if (redirect !== undefined) {
      const status = sendHttpsRedirect(req, res, redirect.port, this.identity.via, randomUUID());
      recordCompletion(this, state, this.unrouted, req, startedAt, "-", client, { status, route: undefined, fleet: undefined, backend: undefined, attempts: 0, error: undefined });
      return;
    }
    try {
      const resolved = this.resolve(state, req, client);
      if ("status" in resolved) {
        this.refuse(req, res, state, resolved, startedAt, client);
        return;
      }
      const { route, forwarded, path } = resolved;
      const hashKey = route.hashKey === undefined ? undefined : extractHashKey(route.hashKey, { headers: req.headers, url: path, remoteAddress: client });
      if (route.cache !== undefined) {
        const layer = this.host.caches.get(route.cache.cache);
        if (layer !== undefined) {
          void serveThroughCache(layer, resolved, req, res, hashKey, this, state, startedAt, client);
          return;
        }
      }
      new DirectExchange(route, req, res, forwarded, path, hashKey, this, state, startedAt, client).start();
    } catch (err) {
      this.logger.error({ err: err instanceof Error ? err.stack : String(err) }, "request handler failed");
      if (!res.headersSent) sendShort(res, 500, "500 Internal Server Error\n", "-", this.identity.via);
      else res.destroy();
      recordCompletion(this, state, this.unrouted, req, startedAt, "-", client, { status: 500, route: undefined, fleet: undefined, backend: undefined, attempts: 0, error: "internal" });
    }
  }

  /** Route and header rewriting shared by plain and Upgrade requests. */
  resolve(state: RuntimeState, req: ProxyRequest, client: string): ResolvedRequest | Refusal {
    const forwarded = forwardRequestHeaders(req.rawHeaders, client, state.trust.has(client), this.identity);
    let path = req.url;
    let hostHeader = forwarded.host;
    if (path.charCodeAt(0) !== 0x2f /* / */) {
      const absolute = absoluteTarget(path);
      if (absolute === undefined) return { status: 400, message: "the request target must be a path or an absolute http(s) URL", forwarded, route: undefined };
      // RFC 9112 §3.2.2: with an absolute target, its authority replaces the Host header.
      path = absolute.path;
      hostHeader = absolute.authority;
      replaceHost(forwarded, absolute.authority);
    }
    if (forwarded.invalid !== undefined) return { status: 400, message: forwarded.invalid, forwarded, route: undefined };
    const host = normalizeHost(hostHeader);
    const route = state.router.table(this.name)?.match(host, routingPath(path), req.rawHeaders);
    if (route === undefined) return { status: 404, message: `no route matches host "${host}" and path "${pathOnly(path)}"`, forwarded, route: undefined };
    return { route, forwarded, path, host };
  }

  private refuse(req: ProxyRequest, res: ProxyResponse, state: RuntimeState, refusal: Refusal, startedAt: number, client: string): void {
    const requestId = refusal.forwarded?.requestId ?? "-";
    sendShort(res, refusal.status, `${refusal.status} ${STATUS_CODES[refusal.status]}: ${refusal.message}\n`, requestId, this.identity.via);
    recordCompletion(this, state, refusal.route?.localSeries ?? this.unrouted, req, startedAt, requestId, client, {
      status: refusal.status,
      route: refusal.route?.name,
      fleet: refusal.route?.fleet,
      backend: undefined,
      attempts: 0,
      error: refusal.message,
    });
  }

  /** Refuses (and logs) an upgrade request the proxy answers itself. */
  refuseRaw(socket: Duplex, status: number, message: string): void {
    if (socket.writable) socket.end(rawResponse(status, message));
    else socket.destroy();
    this.unrouted.record(status, 0);
  }

  /**
   * A request llhttp refused (malformed, smuggling-shaped, oversized headers)
   * or a client too slow to send its headers: answer 400/431/408 and close,
   * without forwarding anything.
   */
  private onClientError(err: NodeJS.ErrnoException, socket: Socket, answerable: boolean): void {
    const answer = clientErrorResponse(err);
    if (answer !== undefined) {
      this.logger.info({ event: "client-error", code: err.code, status: answer.status, client: clientAddress(socket) }, answer.message);
      this.unrouted.record(answer.status, 0);
    }
    if (answer !== undefined && answerable) socket.end(rawResponse(answer.status, answer.message));
    socket.destroy();
  }
}

/** A complete minimal HTTP/1.1 response for a socket the http server gave up on. */
function rawResponse(status: number, message: string): string {
  const body = `${status} ${STATUS_CODES[status] ?? ""}: ${message}\n`;
  return `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ""}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
}

/** "http://host:8080/p?q" → { authority: "host:8080", path: "/p?q" }. */
function absoluteTarget(target: string): { authority: string; path: string } | undefined {
  if (!/^https?:\/\//i.test(target)) return undefined;
  try {
    const u = new URL(target);
    if (u.username !== "" || u.password !== "") return undefined;
    return { authority: u.host, path: `${u.pathname}${u.search}` };
  } catch {
    return undefined;
  }
}

function replaceHost(forwarded: ForwardedRequest, authority: string): void {
  const h = forwarded.headers;
  for (let i = 0; i < h.length; i += 2) {
    if (h[i] === "host") {
      h[i + 1] = authority;
      return;
    }
  }
  h.push("host", authority);
  forwarded.host = authority;
}

/**
 * The path routes are matched against. Repeated slashes are merged (as
 * nginx's merge_slashes does) and dot segments and percent-encoded dots are
 * resolved, so "/static/../admin" and "//admin" are matched as "/admin"; the
 * request goes upstream unchanged.
 */
export function routingPath(target: string): string {
  if (target.indexOf("/.") < 0 && target.indexOf("%") < 0 && target.indexOf("//") < 0) return target;
  const q = target.indexOf("?");
  const path = (q < 0 ? target : target.slice(0, q)).replace(/\/{2,}/g, "/");
  try {
    // An explicit base keeps a path that starts with "//" from being read as an authority.
    return new URL(`http://h${path}`).pathname;
  } catch {
    return path;
  }
}

function pathOnly(target: string): string {
  const q = target.indexOf("?");
  const p = q < 0 ? target : target.slice(0, q);
  return p.length > 200 ? `${p.slice(0, 200)}…` : p;
}
