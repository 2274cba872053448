/**
 * The request and response abstractions of an exchange: what a codec
 * parsed, and the response it writes. The HTTP/1.1 codec's two servers
 * (http1/server.ts and the node:http fallback) both produce these, so
 * routing, forwarding and caching do not care which one parsed the request.
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
