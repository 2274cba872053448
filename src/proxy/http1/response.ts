/**
 * A response on the proxy's HTTP/1.1 server. The head is built by
 * writeHead but sent with the first body bytes (or at end), so a small
 * response leaves in one write; framing is Content-Length when known,
 * chunked otherwise (close-delimited for HTTP/1.0 clients).
 *
 * Header names and values are checked before anything is written: a value
 * with CR, LF or another control character would let a backend (or a stored
 * response) split the response, so writeHead throws instead.
 */
import { STATUS_CODES } from "node:http";
import type { ProxyResponse } from "./types.js";

/** What a response needs from its connection. */
export interface ResponseSink {
  readonly destroyed: boolean;
  /** Seconds advertised in Keep-Alive: timeout=… */
  readonly keepAliveSeconds: number;
  /** The connection will close after this response (its request body is still arriving, or no request may follow). */
  readonly closing: boolean;
  /** Writes to the socket; a string is the head (latin1). */
  send(data: Buffer | string): boolean;
  cork(): void;
  uncork(): void;
  /** The response is complete (everything handed to the socket). */
  finished(res: ClientResponse, complete: boolean): void;
  destroy(): void;
}

const enum Framing {
  None,
  Length,
  Chunked,
  UntilClose,
}

/** RFC 9110 token characters for a field name. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Field-value characters: visible ASCII, space, tab and obs-text; nothing that ends a line. */
const BAD_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

/** Above this, the head and a body chunk go out as two buffers in one corked write instead of one copied buffer. */
const COALESCE_LIMIT = 16 * 1024;

type Listener = (this: ProxyResponse) => void;

export class ClientResponse implements ProxyResponse {
  shouldKeepAlive: boolean;
  #started = false;
  #ended = false;
  #aborted = false;
  /** Status line and caller's fields; framing and Connection are added when the head is sent. */
  #fields = "";
  #head: string | undefined;
  #framing = Framing.None;
  #remaining = 0;
  #closeListeners: Listener[] | undefined;
  #drainListeners: Listener[] | undefined;

  constructor(
    private readonly sink: ResponseSink,
    private readonly headRequest: boolean,
    private readonly http10: boolean,
    keepAlive: boolean,
  ) {
    this.shouldKeepAlive = keepAlive;
  }

  get headersSent(): boolean {
    return this.#started;
  }

  get destroyed(): boolean {
    return this.#aborted || this.sink.destroyed;
  }

  writeHead(status: number, headers: string[]): void {
    if (this.#started) throw new Error("writeHead: the response has already started");
    if (!Number.isInteger(status) || status < 200 || status > 999) throw new Error(`writeHead: invalid status ${status}`);
    let fields = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Unknown"}\r\n`;
    let hasDate = false;
    let length = -1;
    for (let i = 0; i < headers.length; i += 2) {
      const name = headers[i]!;
      const value = headers[i + 1]!;
      if (!TOKEN.test(name) || BAD_VALUE.test(value)) throw new Error(`writeHead: header "${name.slice(0, 64)}" has a name or value that cannot be written`);
      switch (name.length) {
        case 4:
          if (name.toLowerCase() === "date") hasDate = true;
          break;
        case 10: {
          const lower = name.toLowerCase();
          // The proxy manages its own connection; a caller's close request is honoured.
          if (lower === "connection") {
            if (/(?:^|[\s,])close(?:$|[\s,])/i.test(value)) this.shouldKeepAlive = false;
            continue;
          }
          if (lower === "keep-alive") continue;
          break;
        }
        case 14:
          if (name.toLowerCase() === "content-length") {
            const n = /^\d{1,15}$/.test(value) ? Number(value) : -1;
            if (n < 0 || (length >= 0 && n !== length)) throw new Error(`writeHead: invalid Content-Length "${value.slice(0, 32)}"`);
            if (length >= 0) continue;
            length = n;
          }
          break;
        case 17:
          // Framing is this server's job: it chunks when the length is unknown.
          if (name.toLowerCase() === "transfer-encoding") continue;
          break;
      }
      fields += `${name}: ${value}\r\n`;
    }
    if (!hasDate) fields += `date: ${httpDate()}\r\n`;
    this.#fields = fields;
    this.#started = true;
    const noBody = this.headRequest || status === 204 || status === 304;
    if (noBody) this.#framing = Framing.None;
    else if (length >= 0) {
      this.#framing = Framing.Length;
      this.#remaining = length;
    } else this.#framing = this.http10 ? Framing.UntilClose : Framing.Chunked;
  }

  write(chunk: Buffer): boolean {
    if (!this.#started) throw new Error("write: writeHead must come first");
    if (this.#ended || this.destroyed) return false;
    if (chunk.length === 0 || this.#framing === Framing.None) return true;
    if (this.#framing === Framing.Length) {
      this.#remaining -= chunk.length;
      // More than the declared length would be read by the client as the start of another response.
      if (this.#remaining < 0) {
        this.destroy();
        return false;
      }
    }
    return this.#send(chunk, false);
  }

  end(chunk?: Buffer | string): void {
    if (!this.#started) throw new Error("end: writeHead must come first");
    if (this.#ended || this.destroyed) return;
    const data = chunk === undefined ? undefined : typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    if (this.#head === undefined && (this.#framing === Framing.Chunked || this.#framing === Framing.UntilClose)) {
      // Nothing sent yet and this is all of it: the length is known after all.
      this.#framing = Framing.Length;
      this.#remaining = data?.length ?? 0;
      this.#fields += `content-length: ${this.#remaining}\r\n`;
    }
    if (data !== undefined && data.length > 0 && this.#framing !== Framing.None) {
      if (this.#framing === Framing.Length) this.#remaining -= data.length;
      if (this.#remaining < 0) {
        this.destroy();
        return;
      }
      this.#send(data, true);
    } else this.#send(undefined, true);
    this.#ended = true;
    // A body shorter than its Content-Length cannot be completed: the connection must end with it.
    this.sink.finished(this, this.#framing !== Framing.Length || this.#remaining === 0);
  }

  destroy(): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.sink.destroy();
  }

  on(_event: "close", listener: Listener): this {
    (this.#closeListeners ??= []).push(listener);
    return this;
  }

  once(_event: "drain", listener: Listener): this {
    (this.#drainListeners ??= []).push(listener);
    return this;
  }

  /** The connection went away before this response ended. */
  emitClose(): void {
    const listeners = this.#closeListeners;
    this.#closeListeners = undefined;
    if (listeners !== undefined) for (const l of listeners) l.call(this);
  }

  emitDrain(): void {
    const listeners = this.#drainListeners;
    this.#drainListeners = undefined;
    if (listeners !== undefined) for (const l of listeners) l.call(this);
  }

  /** Whether this response ends its connection (no reuse). */
  get closesConnection(): boolean {
    return !this.shouldKeepAlive || this.#framing === Framing.UntilClose;
  }

  #send(body: Buffer | undefined, last: boolean): boolean {
    const chunked = this.#framing === Framing.Chunked;
    let head = this.#head === undefined ? this.#buildHead() : "";
    if (chunked && body !== undefined) head += `${body.length.toString(16)}\r\n`;
    const tail = chunked ? (body !== undefined ? (last ? "\r\n0\r\n\r\n" : "\r\n") : last ? "0\r\n\r\n" : "") : "";
    if (body === undefined) return head.length + tail.length === 0 ? true : this.sink.send(head + tail);
    if (head.length === 0 && tail.length === 0) return this.sink.send(body);
    if (body.length <= COALESCE_LIMIT) {
      const out = Buffer.allocUnsafe(head.length + body.length + tail.length);
      out.write(head, 0, "latin1");
      body.copy(out, head.length);
      if (tail.length > 0) out.write(tail, head.length + body.length, "latin1");
      return this.sink.send(out);
    }
    this.sink.cork();
    if (head.length > 0) this.sink.send(head);
    let ok = this.sink.send(body);
    if (tail.length > 0) ok = this.sink.send(tail);
    this.sink.uncork();
    return ok;
  }

  #buildHead(): string {
    let head = this.#fields;
    if (this.#framing === Framing.Chunked) head += "transfer-encoding: chunked\r\n";
    if (this.#framing === Framing.UntilClose || this.sink.closing) this.shouldKeepAlive = false;
    head += this.shouldKeepAlive ? `connection: keep-alive\r\nkeep-alive: timeout=${this.sink.keepAliveSeconds}\r\n` : "connection: close\r\n";
    head += "\r\n";
    this.#head = head;
    return head;
  }
}

let dateText = "";
let dateUntil = 0;

/** The current time as an HTTP-date, recomputed at most once a second. */
function httpDate(): string {
  const now = Date.now();
  if (now >= dateUntil) {
    dateText = new Date(now).toUTCString();
    dateUntil = now - (now % 1000) + 1000;
  }
  return dateText;
}
