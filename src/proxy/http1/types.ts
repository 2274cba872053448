/**
 * The client side of the HTTP/1.1 codec as its listener sees it. Both the
 * proxy's own server (http1/server.ts) and the node:http fallback
 * (http1/node-server.ts) turn each request into an Exchange (http/exchange.ts)
 * and hand it to the listener.
 */
import type { Socket } from "node:net";
import type { Exchange, UpgradeExchange } from "../http/exchange.js";

export type { ProxyRequest, ProxyResponse } from "../http/messages.js";

/** What a listener does with what its server parsed. */
export interface ClientHandlers {
  /** A request, as the Exchange the codec made for it (routing, the generation and the rest are filled in by the listener). */
  request(exchange: Exchange): void;
  /** An Upgrade request: its socket is the listener's from here on (exchange.res.socket); exchange.res.head holds bytes read past the request head. */
  upgrade(exchange: UpgradeExchange): void;
  /**
   * A request the server refused before any handler saw it (malformed,
   * smuggling-shaped, oversized, too slow). The listener answers (when
   * `answerable`) and the connection is closed after.
   */
  clientError(err: NodeJS.ErrnoException, socket: Socket, answerable: boolean): void;
  connection(socket: Socket): void;
}

/** The timing and size limits a client connection lives under (milliseconds, bytes). */
export interface ClientLimits {
  headersTimeoutMs: number;
  /** Whole request (head and body) received within this; 0 = no limit. */
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxHeaderSize: number;
}

/** The listening side, whichever implementation: a net.Server plus graceful-close controls. */
export interface ClientServer {
  readonly server: import("node:net").Server;
  update(limits: ClientLimits): void;
  closeIdleConnections(): void;
  closeAllConnections(): void;
}
