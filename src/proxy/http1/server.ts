/**
 * The proxy's client-facing HTTP/1.1 server: net sockets parsed by llhttp in
 * consume mode, requests handed to the listener as ProxyRequest /
 * ProxyResponse. It exists because Node's http server spends more CPU per
 * request than parsing and writing do (IncomingMessage and ServerResponse are
 * full streams, each header is validated and re-joined, every response is a
 * corked writev): bench/proxy/README.md has the measurements. What it must
 * refuse, it refuses exactly as llhttp in strict mode does for node:http.
 *
 * One ticker per server checks every connection's deadline, so requests arm
 * no timers.
 */
import net, { type Socket } from "node:net";
import tls, { type TlsOptions } from "node:tls";
import { deadlineCheckMs } from "./limits.js";
import { ClientConnection, type ConnectionHost } from "./connection.js";
import type { ClientHandlers, ClientLimits, ClientServer } from "./types.js";

export class Http1Server implements ClientServer, ConnectionHost {
  readonly server: net.Server;
  private readonly connections = new Set<ClientConnection>();
  private ticker: NodeJS.Timeout | undefined;

  constructor(
    public limits: ClientLimits,
    readonly handlers: ClientHandlers,
    tlsOptions?: TlsOptions,
  ) {
    // Half-open: a client that shuts down its sending side still gets its answers.
    // With TLS, a connection is accepted once its handshake is done; llhttp then reads the decrypted
    // stream the same way. A tls.Server created half-open keeps a connection whose client left during
    // the handshake open for good (Node 22), so half-open is switched on per socket, after the handshake.
    this.server = tlsOptions === undefined
      ? net.createServer({ noDelay: true, allowHalfOpen: true }, (socket) => this.accept(socket))
      : tls.createServer({ ...tlsOptions, noDelay: true }, (socket) => {
          socket.allowHalfOpen = true;
          this.accept(socket);
        });
    this.server.on("listening", () => this.startTicker());
    this.server.on("close", () => this.stopTicker());
  }

  update(limits: ClientLimits): void {
    this.limits = limits;
    if (this.ticker !== undefined) this.startTicker();
  }

  forget(conn: ClientConnection): void {
    this.connections.delete(conn);
  }

  /** Closes connections that are between requests (graceful shutdown). */
  closeIdleConnections(): void {
    for (const c of this.connections) if (c.idle) c.destroy();
  }

  closeAllConnections(): void {
    for (const c of this.connections) c.destroy();
  }

  private accept(socket: Socket): void {
    this.handlers.connection(socket);
    this.connections.add(new ClientConnection(socket, this));
  }

  private startTicker(): void {
    this.stopTicker();
    this.ticker = setInterval(() => this.expire(), deadlineCheckMs(this.limits));
    this.ticker.unref();
  }

  private stopTicker(): void {
    if (this.ticker !== undefined) clearInterval(this.ticker);
    this.ticker = undefined;
  }

  private expire(): void {
    const now = performance.now();
    for (const c of this.connections) if (c.deadline !== 0 && c.deadline <= now) c.expire();
  }
}
