/**
 * One keep-alive HTTP/1.1 connection to a backend: writes a request head in
 * one write, streams the request body (as is with Content-Length, chunked
 * otherwise), and parses the response with Node's llhttp binding in strict
 * mode (conflicting Content-Length/Transfer-Encoding, bad chunk framing,
 * oversized heads are errors, never guesses).
 *
 * A request that fails on a reused connection before any response byte
 * arrived, because the backend had just closed the idle connection, is
 * re-sent once on a fresh connection when that is safe (idempotent, no
 * body): RFC 9112 §9.3.1's allowance for this race.
 *
 * Timeouts are deadlines checked by the pool's ticker, so a request sets a
 * number instead of arming a timer. llhttp reads the socket itself (consume
 * mode), so a read costs no JS call of its own.
 */
import net, { type Socket } from "node:net";
import tls, { type ConnectionOptions } from "node:tls";
import type { Readable } from "node:stream";
import { closeParserSoon, consumeSocket, startReading, stopReading, strictParser, type NativeParser, type ParserOwner } from "../llhttp.js";
import type { H1Request } from "./request.js";

export const enum Phase {
  Connecting,
  /** Request sent (or sending); waiting for the response head. */
  Head,
  Body,
  Idle,
  Closed,
}

/** What a connection needs from its pool. */
export interface ConnectionOwner {
  readonly host: string;
  readonly port: number;
  readonly connectMs: number;
  readonly keepAliveMs: number;
  readonly maxHeaderSize: number;
  /** tls.connect options when the backend is reached over TLS. */
  readonly tls?: ConnectionOptions | undefined;
  /** The connection finished a request; `reusable` says whether it may serve another. */
  released(conn: H1Connection, reusable: boolean): void;
  /** The connection is gone (error, close, timeout). */
  dropped(conn: H1Connection): void;
  /** Send again on a fresh connection (stale keep-alive race). */
  resend(req: H1Request): void;
}

const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"]);

function codedError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

export class H1Connection implements ParserOwner {
  readonly socket: Socket;
  private readonly parser: NativeParser;
  current: H1Request | undefined;
  phase = Phase.Connecting;
  /** performance.now() deadline for the current phase; 0 = none. */
  deadline: number;
  closed = false;
  private served = 0;
  private consumed = false;
  private responseStarted = false;
  private informational = false;
  private keepAlive = true;
  private requestDone = true;
  private headRequest = false;
  /** Backend's Keep-Alive: timeout hint in ms (0 = none). */
  private hintMs = 0;
  private pendingHeaders: string[] | undefined;
  private body: Readable | null = null;
  private chunked = false;
  private remaining = 0;

  constructor(private readonly pool: ConnectionOwner) {
    this.deadline = performance.now() + pool.connectMs;
    this.parser = strictParser("response", pool.maxHeaderSize, this, { onHeaders, onHeadersComplete });
    // Over TLS the connection counts as made once the handshake (and the certificate check) is done.
    const socket = pool.tls === undefined
      ? net.connect({ host: pool.host, port: pool.port, noDelay: true })
      : tls.connect({ host: pool.host, port: pool.port, ...pool.tls }).setNoDelay(true);
    socket.once(pool.tls === undefined ? "connect" : "secureConnect", this.onConnect);
    socket.on("end", this.onEnd);
    socket.on("error", this.onError);
    socket.on("close", this.onClose);
    socket.on("drain", this.onDrain);
    this.socket = socket;
  }

  /** Starts `req` on this connection (idle or still connecting). */
  send(req: H1Request): void {
    this.current = req;
    req.conn = this;
    const o = req.options;
    this.responseStarted = false;
    this.informational = false;
    this.keepAlive = true;
    this.headRequest = o.method === "HEAD";
    req.handler.onRequestStart?.(req, null);
    if (req.aborted || this.closed) return;
    let head = `${o.method} ${o.path} HTTP/1.1\r\n`;
    const h = o.headers;
    let length = -1;
    for (let i = 0; i < h.length; i += 2) {
      const name = h[i]!;
      if (o.body !== null && name.length === 14 && name.toLowerCase() === "content-length") length = Number(h[i + 1]);
      head += `${name}: ${h[i + 1]}\r\n`;
    }
    if (o.body !== null && length < 0) head += "transfer-encoding: chunked\r\n";
    head += "\r\n";
    if (this.phase !== Phase.Connecting) {
      this.phase = Phase.Head;
      this.deadline = performance.now() + o.headersTimeout;
    }
    this.socket.write(head, "latin1");
    if (o.body === null) this.requestDone = true;
    else {
      this.requestDone = false;
      this.chunked = length < 0;
      this.remaining = length;
      // Read the client's body only once connected: if connecting fails, it is untouched and can go to another backend.
      if (this.phase !== Phase.Connecting) this.startBody(o.body);
    }
  }

  pauseReading(): void {
    if (this.consumed) stopReading(this.socket);
    else this.socket.pause();
  }

  resumeReading(): void {
    if (this.consumed) startReading(this.socket);
    else this.socket.resume();
  }

  /** The pool's ticker found the deadline passed. */
  timeout(): void {
    switch (this.phase) {
      case Phase.Connecting:
        this.fail(codedError("UND_ERR_CONNECT_TIMEOUT", `connect to ${this.pool.host}:${this.pool.port} timed out`));
        return;
      case Phase.Head:
        this.fail(codedError("UND_ERR_HEADERS_TIMEOUT", "response headers timeout"));
        return;
      case Phase.Body:
        this.fail(codedError("UND_ERR_BODY_TIMEOUT", "response body idle timeout"));
        return;
      case Phase.Idle:
        this.close();
        return;
    }
  }

  /** Keeps the connection for reuse until the keep-alive time (ours, or the backend's minus a second) runs out. */
  parkIdle(): boolean {
    const hint = this.hintMs > 0 ? this.hintMs - 1000 : Infinity;
    const ms = Math.min(this.pool.keepAliveMs, hint);
    if (ms <= 0) return false;
    this.phase = Phase.Idle;
    this.deadline = performance.now() + ms;
    return true;
  }

  /** Closes an idle connection (no request is affected). */
  close(): void {
    this.fail(codedError("UND_ERR_CLOSED", "connection closed by the proxy"));
  }

  /** Ends the connection; the current request (if any) fails with `err` or is re-sent. */
  fail(err: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.phase = Phase.Closed;
    this.deadline = 0;
    const req = this.current;
    this.current = undefined;
    this.detachBody();
    if (this.consumed) {
      this.consumed = false;
      this.parser.unconsume();
    }
    this.socket.destroy();
    // The parser may be mid-callback (this can run inside execute()); free it later.
    closeParserSoon(this.parser);
    this.pool.dropped(this);
    if (req === undefined || req.done) return;
    if (this.mayResend(req, err)) {
      req.resent = true;
      req.conn = undefined;
      this.pool.resend(req);
      return;
    }
    req.settle(err);
  }

  private mayResend(req: H1Request, err: Error): boolean {
    if (this.served === 0 || this.responseStarted || req.resent || req.aborted || req.options.body !== null) return false;
    const code = (err as { code?: string }).code;
    return (code === "ECONNRESET" || code === "EPIPE" || code === "UND_ERR_SOCKET") && IDEMPOTENT.has(req.options.method);
  }

  // ── request body ──────────────────────────────────────────────────────────

  private startBody(body: Readable): void {
    if (body.readableEnded) {
      this.fail(codedError("UND_ERR_INVALID_ARG", "the request body was already consumed"));
      return;
    }
    this.body = body;
    body.on("data", this.onBodyData);
    body.on("end", this.onBodyEnd);
    body.on("error", this.onBodyError);
    body.on("close", this.onBodyClose);
  }

  private detachBody(): void {
    const body = this.body;
    if (body === null) return;
    this.body = null;
    body.off("data", this.onBodyData);
    body.off("end", this.onBodyEnd);
    body.off("error", this.onBodyError);
    body.off("close", this.onBodyClose);
  }

  private readonly onBodyData = (chunk: Buffer): void => {
    const req = this.current;
    if (req === undefined) return;
    let ok: boolean;
    if (this.chunked) {
      if (chunk.length === 0) return;
      this.socket.cork();
      this.socket.write(`${chunk.length.toString(16)}\r\n`, "latin1");
      this.socket.write(chunk);
      ok = this.socket.write("\r\n", "latin1");
      this.socket.uncork();
    } else {
      this.remaining -= chunk.length;
      if (this.remaining < 0) {
        this.fail(codedError("UND_ERR_REQ_CONTENT_LENGTH_MISMATCH", "request body longer than its Content-Length"));
        return;
      }
      ok = this.socket.write(chunk);
    }
    // The response clock starts when the request is fully sent: keep pushing it while uploading.
    if (this.phase === Phase.Head) this.deadline = performance.now() + req.options.headersTimeout;
    if (!ok) this.body?.pause();
  };

  private readonly onBodyEnd = (): void => {
    if (this.current === undefined) return;
    if (this.chunked) this.socket.write("0\r\n\r\n", "latin1");
    else if (this.remaining !== 0) {
      this.fail(codedError("UND_ERR_REQ_CONTENT_LENGTH_MISMATCH", "request body shorter than its Content-Length"));
      return;
    }
    this.requestDone = true;
    this.detachBody();
  };

  private readonly onBodyError = (err: Error): void => {
    this.fail(err);
  };

  private readonly onBodyClose = (): void => {
    if (!this.requestDone) this.fail(codedError("ECONNRESET", "the client aborted the request body"));
  };

  private readonly onDrain = (): void => {
    if (this.body !== null && !this.requestDone) this.body.resume();
  };

  // ── socket ────────────────────────────────────────────────────────────────

  private readonly onConnect = (): void => {
    if (this.closed) return;
    // llhttp reads the socket in C++ from here on; end-of-stream and errors still reach the socket's events.
    consumeSocket(this.parser, this.socket);
    this.consumed = true;
    // Flowing, so the socket emits "end" (llhttp hands end-of-stream back to it).
    this.socket.resume();
    const req = this.current;
    if (req !== undefined && this.phase === Phase.Connecting) {
      this.phase = Phase.Head;
      this.deadline = performance.now() + req.options.headersTimeout;
      if (req.options.body !== null && !this.requestDone) this.startBody(req.options.body);
    }
  };

  /** After llhttp parsed what one read brought: an error ends the connection. */
  executed(ret: number | Error): void {
    if (typeof ret !== "number" && !this.closed) this.fail(ret);
  }

  private readonly onEnd = (): void => {
    if (this.closed) return;
    if (this.current !== undefined && this.responseStarted) {
      // A response without length ends with the connection.
      const r = this.parser.finish();
      if (r instanceof Error && !this.closed) {
        this.fail(r);
        return;
      }
    }
    if (!this.closed) this.fail(codedError("UND_ERR_SOCKET", "other side closed"));
  };

  private readonly onError = (err: Error): void => {
    this.fail(err);
  };

  private readonly onClose = (): void => {
    if (!this.closed) this.fail(codedError("UND_ERR_SOCKET", "other side closed"));
  };

  // ── parser callbacks ──────────────────────────────────────────────────────

  collectHeaders(headers: string[]): void {
    (this.pendingHeaders ??= []).push(...headers);
  }

  headersComplete(raw: string[] | undefined, status: number, statusText: string, shouldKeepAlive: boolean): number {
    const req = this.current;
    if (this.closed) return 1;
    if (req === undefined) {
      // A response nobody asked for: the connection's framing can no longer be trusted.
      this.close();
      return 1;
    }
    let headers = raw ?? [];
    if (this.pendingHeaders !== undefined) {
      headers = this.pendingHeaders.concat(headers);
      this.pendingHeaders = undefined;
    }
    if (status < 200) {
      if (status === 101) {
        this.fail(codedError("UND_ERR_INFO", "unexpected 101 Switching Protocols"));
        return 1;
      }
      // 100 Continue, 103 Early Hints…: the final response follows.
      this.informational = true;
      return 0;
    }
    this.responseStarted = true;
    this.keepAlive = shouldKeepAlive;
    this.phase = Phase.Body;
    this.deadline = performance.now() + req.options.bodyTimeout;
    req.handler.onResponseStart?.(req, status, this.headerObject(headers), statusText);
    return this.headRequest ? 1 : 0;
  }

  bodyChunk(chunk: Buffer): void {
    const req = this.current;
    if (req === undefined || this.closed) return;
    this.deadline = performance.now() + req.options.bodyTimeout;
    req.handler.onResponseData?.(req, chunk);
  }

  messageComplete(): void {
    if (this.informational) {
      this.informational = false;
      return;
    }
    const req = this.current;
    if (req === undefined || this.closed) return;
    this.served++;
    // A response that ends before its request body was sent (e.g. 413) leaves the connection unusable.
    const reusable = this.keepAlive && this.requestDone;
    this.current = undefined;
    this.detachBody();
    this.phase = Phase.Idle;
    this.deadline = 0;
    req.done = true;
    req.handler.onResponseEnd?.(req, {});
    this.pool.released(this, reusable && !this.closed);
  }

  /** Lower-cased header object (duplicates as arrays), noting the backend's keep-alive hint. */
  private headerObject(raw: string[]): Record<string, string | string[]> {
    const out: Record<string, string | string[]> = {};
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i]!.toLowerCase();
      const value = raw[i + 1]!;
      if (name === "keep-alive") {
        const m = /timeout=(\d+)/i.exec(value);
        if (m) this.hintMs = Number(m[1]) * 1000;
      }
      const prev = out[name];
      if (prev === undefined) out[name] = value;
      else if (typeof prev === "string") out[name] = [prev, value];
      else prev.push(value);
    }
    return out;
  }
}

function onHeaders(this: NativeParser, headers: string[]): void {
  (this.owner as H1Connection).collectHeaders(headers);
}

function onHeadersComplete(
  this: NativeParser,
  _major: number,
  _minor: number,
  headers: string[] | undefined,
  _method: unknown,
  _url: unknown,
  status: number,
  statusText: string,
  _upgrade: boolean,
  shouldKeepAlive: boolean,
): number {
  return (this.owner as H1Connection).headersComplete(headers, status, statusText, shouldKeepAlive);
}

