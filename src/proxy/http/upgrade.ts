/**
 * WebSocket and other `Upgrade` requests: routed like any request, then sent
 * through the upstream client (undici's upgrade shape) by the same failover
 * loop as every request (upstream/failover.ts: route retry policy, budget,
 * passive health). The request head carries the usual hop-by-hop stripping
 * and forwarding headers; undici adds the Connection/Upgrade pair.
 *
 * The tunnel opens only after a `101` whose Upgrade names a protocol the
 * client asked for: then the 101 (with the proxy's Via and X-Request-Id) goes
 * to the client, bytes the client sent past its request head follow to the
 * backend, and from there bytes flow untouched both ways until either side
 * closes or the route's idle timeout passes. Any other answer (404, 400, a
 * 200…) is relayed as an ordinary response with `Connection: close`, so
 * nothing the client sends afterwards ever reaches the backend unparsed; a
 * 101 for a protocol nobody asked for is a broken backend (502).
 *
 * `Upgrade: h2c` is refused: tunnelling a cleartext HTTP/2 upgrade lets a
 * client talk to the backend past the proxy's request handling (the known
 * "h2c smuggling" technique).
 */
import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import type { Dispatcher } from "undici";
import { classifyUpstreamError, neverReachedBackend, NoBackendError, type Failure } from "../upstream/errors.js";
import type { BackendBinding } from "../upstream/backend-binding.js";
import type { RouteRuntime } from "./route-runtime.js";
import type { Backend } from "../upstream/contracts.js";
import { Failover, type ResendRules } from "../upstream/failover.js";
import type { Exchange, RoutedExchange, UpgradeExchange, UpgradeSocket } from "./exchange.js";
import { forwardResponseHeaders } from "./headers.js";
import { lingeringClose } from "./lingering-close.js";
import { recordCompletion, type ListenerContext } from "./request-context.js";

type Controller = Dispatcher.DispatchController;
type Headers = Record<string, string | string[] | undefined>;

/** What an Upgrade needs from its HTTP listener (HttpListener provides it). */
export interface UpgradeListener extends ListenerContext {
  /** Sockets handed over to tunnels, cut when the listener's drain time is over. */
  readonly tunnels: Set<Duplex>;
  /** Routes the exchange (see HttpListener.resolve): why it is refused, or undefined once routed. */
  resolve(exchange: Exchange<unknown>): { status: number; message: string } | undefined;
  /** Answers (and counts) an upgrade request the proxy refuses itself, on the raw socket. */
  refuseRaw(socket: Duplex, status: number, message: string): void;
}

/** The upgrade request's protocol list, lower-cased ("websocket", "foo/2"). */
function protocolTokens(value: string | string[] | undefined): string[] {
  const joined = Array.isArray(value) ? value.join(",") : (value ?? "");
  return joined
    .split(",")
    .map((p) => p.trim().toLowerCase())
    .filter((p) => p !== "");
}

/** Whether a 101's Upgrade header switches to a protocol the client offered (RFC 9110 §7.8). */
export function acceptsRequestedProtocol(requested: readonly string[], answered: string | string[] | undefined): boolean {
  const chosen = protocolTokens(answered);
  return chosen.length > 0 && chosen.every((p) => requested.includes(p));
}

/**
 * Proxies an Upgrade request. Like a request, the upgrade (and its tunnel)
 * holds its config generation (taken by the listener) until it ends.
 */
export function proxyUpgrade(listener: UpgradeListener, exchange: UpgradeExchange): void {
  const { req, res } = exchange;
  const protocol = String(req.headers["upgrade"] ?? "");
  const requested = protocolTokens(protocol);
  if (requested.includes("h2c")) {
    listener.refuseRaw(res.socket, 400, "Upgrade: h2c is not proxied");
    exchange.generation.leave();
    return;
  }
  const refusal = listener.resolve(exchange);
  if (refusal !== undefined) {
    listener.refuseRaw(res.socket, refusal.status, refusal.message);
    exchange.generation.leave();
    return;
  }
  new UpgradeAttempts(listener, exchange as RoutedExchange<UpgradeSocket>, protocol, requested).start();
}

/** One Upgrade request: the failover loop's attempts, as an undici dispatch handler. */
class UpgradeAttempts implements Dispatcher.DispatchHandler, ResendRules {
  readonly method: string;
  /** The bytes past the request head belong to the upgraded protocol: sent only after the 101. */
  readonly hasBody = false;
  private failover: Failover | undefined;
  private binding: BackendBinding | undefined;
  private controller: Controller | null = null;
  private status = 0;
  private headSent = false;
  private discarding = false;
  private next: Backend | undefined;
  private finished = false;
  private readonly route: RouteRuntime;
  private readonly socket: Duplex;

  constructor(
    private readonly listener: UpgradeListener,
    private readonly exchange: RoutedExchange<UpgradeSocket>,
    private readonly protocol: string,
    private readonly requested: readonly string[],
  ) {
    this.method = exchange.req.method;
    this.route = exchange.route;
    const socket = (this.socket = exchange.res.socket);
    // Until it closes, the socket is the listener's to cut when a drain runs out of time.
    listener.tunnels.add(socket);
    socket.on("error", () => socket.destroy());
    socket.once("close", () => {
      listener.tunnels.delete(socket);
      this.clientClosed();
    });
  }

  bodyTouched(): boolean {
    return false;
  }

  start(): void {
    const failover = (this.failover = new Failover(this.route, this, this.exchange.hashKey));
    const first = failover.first();
    if (first === undefined) {
      this.refuse(classifyUpstreamError(new NoBackendError(this.route.fleet.name)));
      return;
    }
    this.send(first);
  }

  private send(backend: Backend): void {
    this.binding = this.route.binding(backend);
    this.status = 0;
    this.controller = null;
    this.failover!.begin(backend);
    this.binding.upgradePool().dispatch(
      {
        path: this.exchange.path,
        method: this.method,
        headers: this.exchange.forwarded.headers,
        body: null,
        upgrade: this.protocol,
        headersTimeout: this.route.headersTimeout,
        bodyTimeout: this.route.bodyTimeout,
      },
      this,
    );
  }

  private clientClosed(): void {
    if (this.finished) return;
    const c = this.controller;
    if (c !== null && !c.aborted) c.abort(Object.assign(new Error("the client closed the connection"), { code: "EDGEFORM_CLIENT_GONE" }));
  }

  // ── undici DispatchHandler ──────────────────────────────────────────────

  onRequestStart(controller: Controller): void {
    this.controller = controller;
    if (this.socket.destroyed) controller.abort(Object.assign(new Error("the client closed the connection"), { code: "EDGEFORM_CLIENT_GONE" }));
  }

  onRequestUpgrade(_controller: Controller, statusCode: number, headers: Headers, upstream: Socket): void {
    const failover = this.failover!;
    this.status = statusCode;
    if (!acceptsRequestedProtocol(this.requested, headers["upgrade"])) {
      upstream.destroy();
      failover.end("reset");
      failover.settle();
      this.refuse({ outcome: "reset", status: 502, reason: "invalid-response", message: `the backend switched to a protocol the client did not ask for (${String(headers["upgrade"] ?? "none")})` });
      return;
    }
    failover.settle();
    if (this.socket.destroyed) {
      upstream.destroy();
      failover.end("success");
      this.finish(499, "client closed the connection");
      return;
    }
    const { requestId, res, generation } = this.exchange;
    const fields = forwardResponseHeaders(headers, this.route.identity, requestId);
    fields.push("connection", "upgrade", "upgrade", String(headers["upgrade"]));
    this.socket.write(responseHead(statusCode, fields), "latin1");
    if (res.head.length > 0) upstream.write(res.head);
    this.listener.logger.info({ event: "upgrade", route: this.route.name, backend: failover.backend!.id, protocol: this.protocol, requestId }, "upgrade tunnel opened");
    // The exchange is answered (101); the tunnel keeps the generation until it closes.
    this.finish(statusCode, undefined, false);
    this.tunnel(upstream, () => {
      failover.end("success");
      generation.leave();
    });
  }

  onResponseStart(controller: Controller, statusCode: number, headers: Headers): void {
    this.status = statusCode;
    if (statusCode >= 500 && !this.socket.destroyed && (this.next = this.failover!.retryAfterStatus(statusCode)) !== undefined) {
      this.discarding = true;
      return;
    }
    // Refused: an ordinary response, and the connection ends with it.
    const fields = forwardResponseHeaders(headers, this.route.identity, this.exchange.requestId);
    fields.push("connection", "close");
    this.headSent = true;
    if (!this.socket.write(responseHead(statusCode, fields), "latin1")) this.pauseUntilDrained(controller);
  }

  onResponseData(controller: Controller, chunk: Buffer): void {
    if (this.discarding) return;
    if (!this.socket.write(chunk)) this.pauseUntilDrained(controller);
  }

  onResponseEnd(): void {
    const failover = this.failover!;
    failover.end(this.status >= 500 ? "http-5xx" : "success");
    if (this.discarding) {
      this.retry();
      return;
    }
    failover.settle();
    lingeringClose(this.socket);
    this.finish(this.status, undefined);
  }

  onResponseError(_controller: Controller | null, err: Error): void {
    const failover = this.failover!;
    if (this.socket.destroyed || (err as { code?: string }).code === "EDGEFORM_CLIENT_GONE") {
      failover.end("success");
      failover.settle();
      this.finish(499, "client closed the connection");
      return;
    }
    const failure = classifyUpstreamError(err);
    failover.end(failure.outcome);
    if (this.headSent) {
      failover.settle();
      this.socket.destroy();
      this.finish(this.status, failure.reason);
      return;
    }
    if (this.discarding) {
      this.retry();
      return;
    }
    if (failure.status !== 400 && (this.next = failover.retryAfterFailure(failure.outcome, !neverReachedBackend(failure))) !== undefined) {
      this.retry();
      return;
    }
    failover.settle();
    this.refuse(failure);
  }

  // ── endings ─────────────────────────────────────────────────────────────

  private retry(): void {
    this.discarding = false;
    const next = this.next!;
    this.next = undefined;
    this.send(next);
  }

  /** Pipes bytes both ways until either side ends, errors or stays idle longer than the route's idle timeout. */
  private tunnel(upstream: Socket, onClose: () => void): void {
    const { listener, socket: client } = this;
    const idleMs = this.route.config.timeouts.idleMs;
    listener.tunnels.add(client);
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      listener.tunnels.delete(client);
      client.destroy();
      upstream.destroy();
      onClose();
    };
    for (const s of [client, upstream]) {
      s.on("error", close);
      s.on("close", close);
      (s as Socket).setTimeout?.(idleMs, close);
    }
    client.pipe(upstream);
    upstream.pipe(client);
  }

  private pauseUntilDrained(controller: Controller): void {
    controller.pause();
    this.socket.once("drain", () => controller.resume());
  }

  /** No usable answer from any backend: the proxy answers on the raw socket. */
  private refuse(failure: Failure): void {
    this.route.countFailure(failure.reason);
    this.listener.logger.warn({ event: "upstream-error", route: this.route.name, backend: this.failover?.backend?.id, reason: failure.reason, requestId: this.exchange.requestId }, failure.message);
    this.listener.refuseRaw(this.socket, failure.status, failure.message);
    this.finished = true;
    this.exchange.generation.leave();
  }

  /**
   * Records the exchange's answer once: the status the backend really gave
   * (101 only when it switched protocols). `leave`: whether the generation
   * lease ends here (a tunnel keeps it until it closes).
   */
  private finish(status: number, error: string | undefined, leave = true): void {
    if (this.finished) return;
    this.finished = true;
    const series = this.status !== 0 && this.binding !== undefined ? this.binding.series : this.route.localSeries;
    recordCompletion(this.exchange, series, {
      status,
      route: this.route.name,
      fleet: this.route.fleet.name,
      backend: this.failover?.backend?.id,
      attempts: this.failover?.attempts ?? 0,
      error,
      keepsGeneration: !leave,
    });
  }
}

function responseHead(status: number, fields: readonly string[]): string {
  let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ""}\r\n`;
  for (let i = 0; i < fields.length; i += 2) head += `${fields[i]}: ${fields[i + 1]}\r\n`;
  return `${head}\r\n`;
}
