/**
 * A client request parsed by the proxy's HTTP/1.1 server. The header object
 * is built only when something asks for it (the forwarding path reads
 * rawHeaders), and a body stream exists only for requests that have a body.
 */
import type { IncomingHttpHeaders } from "node:http";
import type { Socket } from "node:net";
import { Readable } from "node:stream";
import type { ProxyRequest } from "./types.js";

/** What a request body needs from its connection: flow control of the socket. */
export interface BodySource {
  pauseBody(): void;
  resumeBody(): void;
}

export class ClientRequest implements ProxyRequest {
  #headers: IncomingHttpHeaders | undefined;
  #body: RequestBody | undefined;

  constructor(
    readonly method: string,
    readonly url: string,
    readonly httpVersion: string,
    readonly rawHeaders: string[],
    readonly socket: Socket,
    source: BodySource | undefined,
  ) {
    if (source !== undefined) this.#body = new RequestBody(source);
  }

  get headers(): IncomingHttpHeaders {
    return (this.#headers ??= headerObject(this.rawHeaders));
  }

  get body(): Readable {
    return (this.#body ??= RequestBody.empty());
  }

  bodyTouched(): boolean {
    return this.#body?.readableDidRead ?? false;
  }

  /** A body chunk from the parser. */
  pushBody(chunk: Buffer): void {
    const body = this.#body;
    if (body !== undefined && !body.destroyed && !body.push(chunk)) body.source?.pauseBody();
  }

  endBody(): void {
    const body = this.#body;
    if (body !== undefined && !body.destroyed) body.push(null);
  }

  /** The body will not complete (the client went away or sent a malformed body). */
  abortBody(err: Error): void {
    const body = this.#body;
    if (body !== undefined && !body.destroyed && !body.readableEnded) body.destroy(err);
  }
}

class RequestBody extends Readable {
  constructor(readonly source: BodySource | undefined) {
    super();
  }

  static empty(): RequestBody {
    const body = new RequestBody(undefined);
    body.push(null);
    return body;
  }

  override _read(): void {
    this.source?.resumeBody();
  }

  /** Like IncomingMessage: an aborted body nobody is reading is not an uncaught error. */
  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    callback(this.listenerCount("error") === 0 ? null : err);
  }
}

/** Fields Node keeps only the first of (as IncomingMessage does), so the object means the same with either server. */
const FIRST_WINS = new Set([
  "age", "authorization", "content-length", "content-type", "etag", "expires", "from", "host",
  "if-modified-since", "if-unmodified-since", "last-modified", "location", "max-forwards",
  "proxy-authorization", "referer", "retry-after", "server", "user-agent",
]);

/** Lower-cased names; set-cookie as a list, cookie joined with "; ", others with ", ". */
export function headerObject(raw: readonly string[]): IncomingHttpHeaders {
  const out: Record<string, string | string[]> = {};
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const value = raw[i + 1]!;
    const prev = out[name];
    if (prev === undefined) out[name] = name === "set-cookie" ? [value] : value;
    else if (name === "set-cookie") (prev as string[]).push(value);
    else if (FIRST_WINS.has(name)) continue;
    else out[name] = `${prev as string}${name === "cookie" ? "; " : ", "}${value}`;
  }
  return out as IncomingHttpHeaders;
}
