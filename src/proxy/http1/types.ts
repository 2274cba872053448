/**
 * The client side of an exchange as the proxy sees it: a parsed request and
 * a response to write. Both the proxy's own HTTP/1.1 server (http1/server.ts)
 * and the node:http fallback (http1/node-server.ts) hand these to the
 * listener, so routing, forwarding and caching do not care which one parsed
 * the request.
 */
import type { IncomingHttpHeaders } from "node:http";
import type { Socket } from "node:net";
import type { Readable } from "node:stream";

export interface ProxyRequest {
  readonly method: string;
  /** The request target as received (origin-form, or absolute-form). */
  readonly url: string;
  /** "1.1" or "1.0". */
  readonly httpVersion: string;
  /** Name/value pairs as received, names in their original case. */
  readonly rawHeaders: string[];
  /** Lower-cased names, duplicates joined as Node does (built on first use). */
  readonly headers: IncomingHttpHeaders;
  readonly socket: Socket;
  /** The request body; ends at once when there is none. */
  readonly body: Readable;
  /** Whether any of the body has been read (so it cannot be sent again). */
  bodyTouched(): boolean;
}

export interface ProxyResponse {
  /** Starts the response. Throws when a header name or value cannot be written safely. */
  writeHead(status: number, headers: string[]): void;
  /** Writes a body chunk; false means wait for "drain". */
  write(chunk: Buffer): boolean;
  end(chunk?: Buffer | string): void;
  /** Cuts the client connection (the response cannot be completed). */
  destroy(): void;
  readonly headersSent: boolean;
  readonly destroyed: boolean;
  /** Set to false to close the connection after this response (graceful shutdown). */
  shouldKeepAlive: boolean;
  /**
   * "close": the connection went away (with node:http, also after a normal
   * end, so listeners check whether they finished first); "drain": a write
   * that returned false may be retried. Listeners are called with the
   * response as `this`.
   */
  on(event: "close", listener: (this: ProxyResponse) => void): unknown;
  once(event: "drain", listener: (this: ProxyResponse) => void): unknown;
}

/** What a listener does with what its server parsed. */
export interface ClientHandlers {
  request(req: ProxyRequest, res: ProxyResponse): void;
  /** An Upgrade request: the socket is the listener's from here on; `head` holds bytes read past the request head. */
  upgrade(req: ProxyRequest, socket: Socket, head: Buffer): void;
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
