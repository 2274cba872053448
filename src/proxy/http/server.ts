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
import type { HttpListenerConfig, ProxyRuntimeConfig } from "../../plan/proxy-config.js";
import { serveThroughCache } from "./cached.js";
import { DirectExchange } from "./direct.js";
import { sendShort } from "./short-answer.js";
import { forwardRequestHeaders } from "./headers.js";
import type { RequestIdentity } from "./request-identity.js";
import { bindServer, boundPort, sameAddress } from "../runtime/bind.js";
import { createClientServer, type ClientServer } from "../http1/index.js";
import { clientErrorResponse, clientLimits } from "../http1/limits.js";
import type { Logger } from "../runtime/log.js";
import type { ProxyMetrics, RequestSeries } from "../runtime/metrics.js";
import { recordCompletion, type ListenerContext } from "./request-context.js";
import type { Exchange, Generation, RoutedExchange } from "./exchange.js";
import type { RuntimeState } from "../runtime/generation.js";
import { proxyUpgrade } from "./upgrade.js";
import { clientAddress } from "./client-address.js";
import { lingeringClose } from "./lingering-close.js";
import { extractHashKey } from "../upstream/index.js";
import { ListenerTls } from "../tls/listener-tls.js";
import { sendHttpsRedirect } from "../tls/redirect.js";
import { ACME_CHALLENGE_PREFIX, type ChallengeBoard } from "../tls/acme/challenges.js";

/** What listeners need from the running proxy. */
export interface ProxyHost {
  /** The current config generation (swapped on reload). */
  readonly state: RuntimeState;
  readonly metrics: ProxyMetrics;
  readonly logger: Logger;
  /** HTTP-01 answers of this process's ACME orders (and the shared storage's). */
  readonly acmeChallenges: ChallengeBoard;
}

/** A request the proxy answers itself (the exchange's route, when it has one, counts it). */
export interface Refusal {
  status: number;
  message: string;
}

export class HttpListener implements ListenerContext {
  readonly name: string;
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
  /** A plain http listener of a config with ACME answers HTTP-01 challenges. */
  private answersAcme: boolean;

  constructor(
    private config: HttpListenerConfig,
    proxyConfig: ProxyRuntimeConfig,
    private readonly host: ProxyHost,
  ) {
    this.name = config.name;
    this.logger = host.logger.child({ listener: config.name });
    this.tls = config.tls === undefined ? undefined : new ListenerTls(config.tls, config.name, this.logger, host.metrics.registry, host.acmeChallenges);
    this.answersAcme = answersAcmeChallenges(config, proxyConfig);
    this.accessLogger = proxyConfig.accessLog ? host.logger.child({ type: "access", listener: config.name }) : undefined;
    const limits = proxyConfig.limits;
    this.unrouted = host.metrics.requestSeries(config.name, "", "", "");
    const metrics = host.metrics;
    const name = config.name;
    this.onSocketClose = () => metrics.connectionClosed(name);
    this.client = createClientServer(clientLimits(limits), {
      request: (x) => this.onRequest(x),
      upgrade: (x) => {
        this.adopt(x);
        proxyUpgrade(this, x);
      },
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
    this.answersAcme = answersAcmeChallenges(config, proxyConfig);
    if (this.answersAcme && this.server.listening) this.host.acmeChallenges.answering();
    this.client.update(clientLimits(proxyConfig.limits));
    if (this.tls !== undefined && config.tls !== undefined) this.tls.update(config.tls);
    this.accessLogger = proxyConfig.accessLog ? this.host.logger.child({ type: "access", listener: config.name }) : undefined;
  }

  async listen(reusePort: boolean): Promise<void> {
    await bindServer(this.server, this.config, { reusePort, logger: this.logger });
    if (this.answersAcme) this.host.acmeChallenges.answering();
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

  /** The exchange's listener and generation: the codec made it, everything after reads it. */
  private adopt(x: Exchange<unknown>): Generation {
    const state = this.host.state;
    state.enter();
    x.listener = this;
    x.generation = state;
    return state;
  }

  private onRequest(x: Exchange): void {
    const state = this.adopt(x);
    const { req, res } = x;
    if (this.draining) res.shouldKeepAlive = false;
    // Before routing and the redirect: the ACME server asks over plain HTTP for whatever name it validates.
    if (this.answersAcme && req.url.startsWith(ACME_CHALLENGE_PREFIX)) {
      const answered = this.host.acmeChallenges.answer(req, res, state.identity(this.name).via).catch(() => {
        res.destroy();
        return 500;
      });
      void answered.then((status) => {
        recordCompletion(x, this.unrouted, { status, route: undefined, fleet: undefined, backend: undefined, attempts: 0, error: undefined });
      });
      return;
    }
    const redirect = this.config.redirectToHttps;
    if (redirect !== undefined) {
      const status = sendHttpsRedirect(req, res, redirect.port, state.identity(this.name).via, randomUUID());
      recordCompletion(x, this.unrouted, { status, route: undefined, fleet: undefined, backend: undefined, attempts: 0, error: undefined });
      return;
    }
    try {
      const refusal = this.resolve(x);
      if (refusal !== undefined) {
        this.refuse(x, refusal);
        return;
      }
      const routed = x as RoutedExchange;
      const cache = routed.route.cache;
      if (cache !== undefined) {
        const layer = state.cacheLayer(cache.cache);
        if (layer !== undefined) {
          void serveThroughCache(layer, routed);
          return;
        }
      }
      new DirectExchange(routed).start();
    } catch (err) {
      this.logger.error({ err: err instanceof Error ? err.stack : String(err) }, "request handler failed");
      x.requestId = "-";
      if (!res.headersSent) sendShort(x, 500, "500 Internal Server Error\n");
      else res.destroy();
      recordCompletion(x, this.unrouted, { status: 500, route: undefined, fleet: undefined, backend: undefined, attempts: 0, error: "internal" });
    }
  }

  /**
   * Routing and header rewriting shared by plain and Upgrade requests: the
   * request's identity is computed once (with the forwarded headers) and
   * everything after reads it from the exchange (route, forwarded headers,
   * identity, request id, hash key). Returns why the request is refused, or
   * undefined once it is routed.
   */
  resolve(x: Exchange<unknown>): Refusal | undefined {
    const { req, generation: state, client } = x;
    const forwarded = forwardRequestHeaders(req.rawHeaders, req.url, client, state.trust.has(client), state.identity(this.name));
    x.forwarded = forwarded;
    x.requestId = forwarded.requestId;
    const identity = forwarded.identity;
    if (identity === undefined) return { status: 400, message: forwarded.invalid ?? "invalid request" };
    // Header conditions read the headers as forwarded: a route cannot be chosen by a header the origin never gets.
    const route = state.router.table(this.name)?.match(identity.host, identity.target, forwarded.headers);
    if (route === undefined) return { status: 404, message: `no route matches host "${identity.host}" and path "${pathOnly(identity)}"` };
    x.route = route;
    // A body on GET/HEAD is not part of the cache key, so it could select what is stored for everyone.
    if (route.cache !== undefined && forwarded.hasBody && (req.method === "GET" || req.method === "HEAD")) {
      return { status: 400, message: `a ${req.method} request with a body is refused on a cached route` };
    }
    x.identity = identity;
    if (route.hashKey !== undefined) x.hashKey = extractHashKey(route.hashKey, { headers: req.headers, url: identity.target, remoteAddress: client });
    return undefined;
  }

  private refuse(x: Exchange, refusal: Refusal): void {
    const { route } = x;
    sendShort(x, refusal.status, `${refusal.status} ${STATUS_CODES[refusal.status]}: ${refusal.message}\n`);
    recordCompletion(x, route?.localSeries ?? this.unrouted, {
      status: refusal.status,
      route: route?.name,
      fleet: route?.fleet.name,
      backend: undefined,
      attempts: 0,
      error: refusal.message,
    });
  }

  /** Refuses (and logs) an upgrade request the proxy answers itself. */
  refuseRaw(socket: Duplex, status: number, message: string): void {
    if (socket.writable) lingeringClose(socket, rawResponse(status, message));
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

function answersAcmeChallenges(config: HttpListenerConfig, proxyConfig: ProxyRuntimeConfig): boolean {
  return config.tls === undefined && proxyConfig.listeners.some((l) => l.protocol === "http" && l.tls?.acme !== undefined);
}

/** A complete minimal HTTP/1.1 response for a socket the http server gave up on. */
function rawResponse(status: number, message: string): string {
  const body = `${status} ${STATUS_CODES[status] ?? ""}: ${message}\n`;
  return `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ""}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
}

function pathOnly(identity: RequestIdentity): string {
  const p = identity.target.slice(0, identity.pathEnd);
  return p.length > 200 ? `${p.slice(0, 200)}…` : p;
}
