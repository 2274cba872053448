/**
 * One client connection on the proxy's HTTP/1.1 server. llhttp reads the
 * socket in C++ (consume mode, strict: no leniency flags) and calls back per
 * message; anything it refuses (CL+TE, duplicate or bad Content-Length,
 * obs-fold, bad chunk framing, oversized head) ends the connection through
 * the listener's clientError before a handler has seen the request.
 *
 * Requests are answered in order: a pipelined request waits, unparsed bytes
 * stay in the kernel (reading stops) until the response before it ends.
 * Deadlines (head, whole request, keep-alive idle) are numbers the server's
 * ticker checks, not timers per request.
 */
import type { Socket } from "node:net";
import { Exchange } from "../http/exchange.js";
import { onlyContinue } from "../http/expect.js";
import { closeParserSoon, consumeSocket, methodName, startReading, stopReading, strictParser, type NativeParser, type ParseError, type ParserOwner } from "./llhttp.js";
import { ClientRequest, type BodySource } from "./request.js";
import { ClientResponse, type ResponseSink } from "./response.js";
import type { ClientHandlers, ClientLimits } from "./types.js";

/** What a connection needs from its server. */
export interface ConnectionHost {
  readonly limits: ClientLimits;
  readonly handlers: ClientHandlers;
  /** The connection is gone, or handed to an Upgrade tunnel. */
  forget(conn: ClientConnection): void;
}

const enum Phase {
  /** Waiting for the first byte of a request (keep-alive idle). */
  Idle,
  /** A request head is arriving (new connections start here). */
  Head,
  /** The head is complete, the body is arriving. */
  Body,
  /** The request is fully received; its response (or an earlier one) is being written. */
  Received,
  /** Our side is closed; what the client still sends is read and dropped until it closes too, or the deadline. */
  Closing,
}

/** How long a connection we ended may linger for the client to close its side. */
const LINGER_MS = 5000;

/** Reasons reading is stopped; reading resumes when none is left. */
const enum Hold {
  BodyFull = 1,
  Pipelined = 2,
}

/** A request the server answers itself (Node's http server answers the same ones). */
interface Refusal {
  status: number;
  message: string;
}

const CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n";

interface Pending {
  req: ClientRequest;
  res: ClientResponse;
  refusal: Refusal | undefined;
  expectContinue: boolean;
}

export class ClientConnection implements BodySource, ResponseSink, ParserOwner {
  /** performance.now() deadline of the current phase; 0 = none. */
  deadline: number;
  private phase = Phase.Head;
  private readonly parser: NativeParser;
  private pendingHeaders: string[] | undefined;
  private pendingUrl = "";
  /** The request whose body the parser is reading. */
  private current: ClientRequest | undefined;
  /** The exchange being answered; later ones wait in order. */
  private active: Pending | undefined;
  private readonly waiting: Pending[] = [];
  private dispatching = false;
  /** No byte of any request has arrived yet. */
  private neverSent = true;
  private upgrade: ClientRequest | undefined;
  /** No request after the ones already accepted: the connection closes when they are answered. */
  private last = false;
  private holds = 0;
  private closed = false;

  constructor(
    readonly socket: Socket,
    private readonly host: ConnectionHost,
  ) {
    this.deadline = performance.now() + host.limits.headersTimeoutMs;
    const parser = strictParser("request", host.limits.maxHeaderSize, this, { onMessageBegin, onHeaders, onHeadersComplete });
    this.parser = parser;
    socket.on("end", this.onEnd);
    socket.on("error", this.onError);
    socket.on("close", this.onClose);
    socket.on("drain", this.onDrain);
    consumeSocket(parser, socket);
    // Flowing, so end-of-stream and errors (which llhttp passes back to the socket) are emitted.
    socket.resume();
  }

  get destroyed(): boolean {
    return this.closed || this.socket.destroyed;
  }

  get closing(): boolean {
    return (this.last && this.waiting.length === 0) || (this.current !== undefined && this.current === this.active?.req);
  }

  get keepAliveSeconds(): number {
    return Math.floor(this.host.limits.keepAliveTimeoutMs / 1000);
  }

  /** No request is being received or answered (graceful shutdown may close it). */
  get idle(): boolean {
    if (this.phase === Phase.Closing) return true;
    if (this.active !== undefined || this.waiting.length > 0 || this.current !== undefined) return false;
    return this.phase === Phase.Idle || (this.phase === Phase.Head && this.neverSent);
  }

  // ── deadlines ─────────────────────────────────────────────────────────────

  /** The server's ticker found the deadline passed. */
  expire(): void {
    if (this.closed) return;
    if (this.phase === Phase.Idle || this.phase === Phase.Closing) {
      this.destroy();
      return;
    }
    this.refuse(Object.assign(new Error("the request was not received in time"), { code: "ERR_HTTP_REQUEST_TIMEOUT" }));
  }

  // ── parser callbacks ──────────────────────────────────────────────────────

  messageBegin(): void {
    this.neverSent = false;
    if (this.last) return;
    this.phase = Phase.Head;
    this.deadline = performance.now() + this.host.limits.headersTimeoutMs;
  }

  collectHeaders(headers: string[], url: string): void {
    (this.pendingHeaders ??= []).push(...headers);
    this.pendingUrl += url;
  }

  headersComplete(major: number, minor: number, rawHeaders: string[] | undefined, methodIndex: number, rawUrl: string | undefined, upgrade: boolean, keepAlive: boolean): number {
    let headers = rawHeaders ?? [];
    if (this.pendingHeaders !== undefined) {
      headers = rawHeaders === undefined ? this.pendingHeaders : this.pendingHeaders.concat(rawHeaders);
      this.pendingHeaders = undefined;
    }
    const url = rawUrl ?? this.pendingUrl;
    this.pendingUrl = "";
    if (this.last || this.closed) return upgrade ? 2 : 0;
    const method = methodName(methodIndex);
    if (method === undefined || method === "PRI") {
      // An HTTP/2 preface (or a method llhttp knows and this table does not): nothing to answer in HTTP/1.1.
      this.last = true;
      setImmediate(destroySocket, this.socket);
      return upgrade ? 2 : 0;
    }
    const http11 = major === 1 && minor === 1;
    const version = http11 ? "1.1" : `${major}.${minor}`;
    let hosts = 0;
    let expect: string | undefined;
    let hasBody = false;
    for (let i = 0; i < headers.length; i += 2) {
      const name = headers[i]!;
      switch (name.length) {
        case 4:
          if (name.toLowerCase() === "host") hosts++;
          break;
        case 6:
          if (name.toLowerCase() === "expect") expect = expect === undefined ? headers[i + 1]! : `${expect}, ${headers[i + 1]!}`;
          break;
        case 14:
          if (name.toLowerCase() === "content-length" && headers[i + 1] !== "0") hasBody = true;
          break;
        case 17:
          if (name.toLowerCase() === "transfer-encoding") hasBody = true;
          break;
      }
    }
    const now = performance.now();
    const requestTimeout = this.host.limits.requestTimeoutMs;
    if (hasBody && !upgrade) {
      this.phase = Phase.Body;
      this.deadline = requestTimeout > 0 ? now + requestTimeout : 0;
    } else {
      this.phase = Phase.Received;
      this.deadline = 0;
    }
    const req = new ClientRequest(method, url, version, headers, this.socket, hasBody && !upgrade ? this : undefined);
    // Only a request with a body stays "current" after its head: its response may end before the body does.
    if (hasBody && !upgrade) this.current = req;
    if (upgrade && method !== "CONNECT" && major === 1) {
      // Handed over once llhttp stops at the end of the head (onExecute).
      this.upgrade = req;
      this.last = true;
      return 2;
    }
    const res = new ClientResponse(this, method === "HEAD", !http11, keepAlive);
    let refusal: Refusal | undefined;
    let expectContinue = false;
    if (major !== 1) refusal = { status: 505, message: "only HTTP/1.0 and HTTP/1.1 are served here" };
    else if (method === "CONNECT") refusal = { status: 405, message: "CONNECT is not supported: this is a reverse proxy" };
    else if (http11 && hosts === 0) refusal = { status: 400, message: "an HTTP/1.1 request needs a Host header" };
    else if (expect !== undefined) {
      // RFC 9110 §10.1.1: 100-continue is the only expectation; any other one (even beside it) gets 417.
      if (!onlyContinue(expect)) refusal = { status: 417, message: `the expectation "${expect.slice(0, 64)}" is not supported` };
      // §15.2.1: no 1xx goes to an HTTP/1.0 client, which would read it as the final response.
      else expectContinue = http11;
    }
    if (refusal !== undefined) {
      res.shouldKeepAlive = false;
      this.last = true;
    }
    this.waiting.push({ req, res, refusal, expectContinue });
    if (this.active === undefined) this.pump();
    else this.hold(Hold.Pipelined);
    return upgrade ? 2 : 0;
  }

  bodyChunk(chunk: Buffer): void {
    this.current?.pushBody(chunk);
  }

  messageComplete(): void {
    // Trailer fields arrive like headers; they are dropped, never carried into the next request.
    this.pendingHeaders = undefined;
    this.pendingUrl = "";
    const req = this.current;
    this.current = undefined;
    if (req === undefined) return;
    if (this.phase === Phase.Body || this.phase === Phase.Head) {
      this.phase = Phase.Received;
      this.deadline = 0;
    }
    req.endBody();
  }

  executed(ret: number | ParseError): void {
    if (this.closed) return;
    if (typeof ret !== "number") {
      if (ret.code === "HPE_CLOSED_CONNECTION") {
        // Bytes after a request that said Connection: close. RFC 9112 §9.6: that request is still
        // answered, nothing after it is read as a request; the bytes are dropped while we linger.
        this.afterLastRequest();
        return;
      }
      this.refuse(ret);
      return;
    }
    const req = this.upgrade;
    if (req !== undefined) this.handOver(req, ret);
  }

  // ── requests and responses ────────────────────────────────────────────────

  /**
   * Answers waiting requests in order. A handler may end its response before
   * returning (an error, a cache hit); the loop, not recursion, then moves on.
   */
  private pump(): void {
    if (this.dispatching) return;
    this.dispatching = true;
    try {
      while (this.active === undefined && !this.closed) {
        const next = this.waiting.shift();
        if (next === undefined) break;
        this.dispatch(next);
      }
    } finally {
      this.dispatching = false;
    }
    if (this.waiting.length === 0) this.release(Hold.Pipelined);
  }

  private dispatch(entry: Pending): void {
    const { req, res, refusal } = entry;
    this.active = entry;
    if (refusal !== undefined) {
      const body = `${refusal.status} ${refusal.message}\n`;
      res.writeHead(refusal.status, ["content-type", "text/plain; charset=utf-8", "content-length", String(Buffer.byteLength(body)), "cache-control", "no-store"]);
      res.end(body);
      return;
    }
    if (entry.expectContinue) this.socket.write(CONTINUE, "latin1");
    this.host.handlers.request(new Exchange(req, res));
  }

  finished(res: ClientResponse, complete: boolean): void {
    const active = this.active;
    if (active === undefined || active.res !== res) return;
    this.active = undefined;
    // A response that ended before its request's body did: the connection cannot be reused safely; close it.
    const bodyPending = this.current === active.req;
    if (!complete || res.closesConnection || bodyPending || (this.last && this.waiting.length === 0)) {
      this.last = true;
      this.waiting.length = 0;
      if (bodyPending) {
        // Nobody reads the rest of that body now: drop it as it arrives (lingering) instead of holding the socket.
        this.current = undefined;
        active.req.abortBody(Object.assign(new Error("the response ended before the request body"), { code: "ECONNRESET" }));
        this.release(Hold.BodyFull);
      }
      if (!complete) this.destroy();
      else this.endOurSide();
      return;
    }
    if (this.waiting.length > 0) {
      this.pump();
      return;
    }
    if (this.phase === Phase.Received) {
      this.phase = Phase.Idle;
      this.deadline = performance.now() + this.host.limits.keepAliveTimeoutMs;
    }
  }

  send(data: Buffer | string): boolean {
    if (this.closed) return false;
    return typeof data === "string" ? this.socket.write(data, "latin1") : this.socket.write(data);
  }

  cork(): void {
    this.socket.cork();
  }

  uncork(): void {
    this.socket.uncork();
  }

  destroy(): void {
    this.socket.destroy();
  }

  // ── flow control ──────────────────────────────────────────────────────────

  pauseBody(): void {
    this.hold(Hold.BodyFull);
  }

  resumeBody(): void {
    this.release(Hold.BodyFull);
  }

  private hold(reason: Hold): void {
    this.holds |= reason;
    stopReading(this.socket);
  }

  private release(reason: Hold): void {
    if ((this.holds & reason) === 0) return;
    this.holds &= ~reason;
    if (this.holds === 0 && !this.closed) startReading(this.socket);
  }

  // ── endings ───────────────────────────────────────────────────────────────

  /** A request the parser or a deadline refused: the listener answers if nothing of a response was written, then the connection closes. */
  private refuse(err: ParseError): void {
    if (this.closed) return;
    this.last = true;
    this.current?.abortBody(err);
    const answerable = this.active === undefined || !this.active.res.headersSent;
    this.host.handlers.clientError(err as NodeJS.ErrnoException, this.socket, answerable && this.socket.writable);
    this.destroy();
  }

  /** The socket leaves this server for an Upgrade tunnel, with the bytes read past the head. */
  private handOver(req: ClientRequest, parsed: number): void {
    this.upgrade = undefined;
    if (this.active !== undefined || this.waiting.length > 0) {
      // An Upgrade pipelined behind unanswered requests cannot be tunnelled in order.
      this.destroy();
      return;
    }
    const head = this.parser.getCurrentBuffer().subarray(parsed);
    this.detach();
    const socket = this.socket;
    // Bytes after the head wait in the kernel until the tunnel pipes the socket.
    socket.pause();
    socket.on("error", destroySelf);
    this.host.handlers.upgrade(new Exchange(req, { socket, head }));
  }

  /** Stops parsing and forgets the socket (an Upgrade tunnel owns it now). */
  private detach(): void {
    this.closed = true;
    this.deadline = 0;
    this.parser.unconsume();
    closeParserSoon(this.parser);
    const s = this.socket;
    s.off("end", this.onEnd);
    s.off("error", this.onError);
    s.off("close", this.onClose);
    s.off("drain", this.onDrain);
    this.host.forget(this);
  }

  private readonly onEnd = (): void => {
    if (this.closed) return;
    const r = this.parser.finish();
    if (r instanceof Error) {
      this.refuse(r);
      return;
    }
    // The client sent all it will send; answer what was asked, then close.
    this.afterLastRequest();
  };

  /** No further request will be read: answer those already received, then close. */
  private afterLastRequest(): void {
    this.last = true;
    if (this.active === undefined && this.waiting.length === 0 && this.phase !== Phase.Closing) this.endOurSide();
  }

  /**
   * Ends our side after the last response. Destroying at once could turn
   * unread client bytes into a reset that loses the response on the way; the
   * client gets a moment to close, its bytes are read and dropped meanwhile.
   */
  private endOurSide(): void {
    this.socket.end();
    this.phase = Phase.Closing;
    this.deadline = performance.now() + Math.min(LINGER_MS, this.host.limits.keepAliveTimeoutMs);
  }

  private readonly onError = (): void => {
    this.socket.destroy();
  };

  private readonly onClose = (): void => {
    if (this.closed) return;
    this.closed = true;
    this.deadline = 0;
    closeParserSoon(this.parser);
    this.current?.abortBody(Object.assign(new Error("the client closed the connection"), { code: "ECONNRESET" }));
    this.current = undefined;
    const active = this.active;
    this.active = undefined;
    active?.res.emitClose();
    for (const w of this.waiting.splice(0)) {
      w.req.abortBody(Object.assign(new Error("the client closed the connection"), { code: "ECONNRESET" }));
      w.res.emitClose();
    }
    this.host.forget(this);
  };

  private readonly onDrain = (): void => {
    this.active?.res.emitDrain();
  };
}

function destroySocket(socket: Socket): void {
  socket.destroy();
}

function destroySelf(this: Socket): void {
  this.destroy();
}

function onMessageBegin(this: NativeParser): void {
  (this.owner as ClientConnection).messageBegin();
}

function onHeaders(this: NativeParser, headers: string[], url: string): void {
  (this.owner as ClientConnection).collectHeaders(headers, url);
}

function onHeadersComplete(
  this: NativeParser,
  major: number,
  minor: number,
  headers: string[] | undefined,
  method: number,
  url: string | undefined,
  _status: unknown,
  _statusText: unknown,
  upgrade: boolean,
  keepAlive: boolean,
): number {
  return (this.owner as ClientConnection).headersComplete(major, minor, headers, method, url, upgrade, keepAlive);
}
