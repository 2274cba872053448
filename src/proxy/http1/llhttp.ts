/**
 * Node's own llhttp binding: the parser behind http.request and the http
 * server. edgeform parses backend responses (http1/client/) and client requests
 * (http1/) with it directly, skipping the IncomingMessage / ServerResponse
 * stream machinery that costs more than the parsing itself.
 *
 * It is exposed by the `_http_common` module rather than a documented API,
 * so this file is the only place that touches it, checks it looks as
 * expected, and reports whether it is usable; without it the proxy falls back
 * to undici upstream and to node:http for clients.
 */
import { createRequire } from "node:module";
import net, { type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The binding's methods and callback slots (see lib/_http_common.js and lib/_http_server.js in Node). */
export interface NativeParser {
  initialize(type: number, resource: object, maxHeaderSize: number, lenient: number): void;
  execute(data: Buffer): number | Error;
  finish(): number | Error | undefined;
  close(): void;
  /** Reads straight from a stream handle in C++; results arrive through kOnExecute. */
  consume(handle: unknown): void;
  unconsume(): void;
  /** The buffer being parsed (inside a consume-mode callback). */
  getCurrentBuffer(): Buffer;
  [index: number]: unknown;
  /** Our connection (set by whoever owns the parser). */
  owner: unknown;
}

/** What llhttp passes on an error: the HPE_* code and how far it got. */
export type ParseError = Error & { code?: string; bytesParsed?: number; reason?: string };

interface ParserClass {
  new (): NativeParser;
  REQUEST: number;
  RESPONSE: number;
  kOnMessageBegin: number;
  kOnHeaders: number;
  kOnHeadersComplete: number;
  kOnBody: number;
  kOnMessageComplete: number;
  kOnExecute: number;
  kLenientNone: number;
}

interface ParserModule {
  HTTPParser: ParserClass;
  /** The methods Node's http module supports, in llhttp's order (RTSP ones left out). */
  methods?: string[];
}

/**
 * llhttp's method enum (llhttp_method_t), which the parser reports as an
 * index. `_http_common` only exports the HTTP subset, whose order matches
 * up to SOURCE; the check in load() makes sure this Node still agrees.
 */
const LLHTTP_METHODS = [
  "DELETE", "GET", "HEAD", "POST", "PUT", "CONNECT", "OPTIONS", "TRACE", "COPY", "LOCK", "MKCOL", "MOVE",
  "PROPFIND", "PROPPATCH", "SEARCH", "UNLOCK", "BIND", "REBIND", "UNBIND", "ACL", "REPORT", "MKACTIVITY",
  "CHECKOUT", "MERGE", "M-SEARCH", "NOTIFY", "SUBSCRIBE", "UNSUBSCRIBE", "PATCH", "PURGE", "MKCALENDAR",
  "LINK", "UNLINK", "SOURCE", "PRI", "DESCRIBE", "ANNOUNCE", "SETUP", "PLAY", "PAUSE", "TEARDOWN",
  "GET_PARAMETER", "SET_PARAMETER", "REDIRECT", "RECORD", "FLUSH", "QUERY",
];

function methodsAgree(methods: unknown): boolean {
  if (!Array.isArray(methods) || methods.length === 0) return false;
  return methods.every((m, i) => m === LLHTTP_METHODS[i] || (m === "QUERY" && i === methods.length - 1));
}

function load(): { parser: ParserClass; methodsKnown: boolean } | undefined {
  try {
    const mod = createRequire(import.meta.url)("_http_common") as Partial<ParserModule>;
    const P = mod.HTTPParser;
    if (typeof P !== "function" || typeof P.RESPONSE !== "number" || typeof P.kOnHeadersComplete !== "number" || typeof P.kOnBody !== "number" || typeof P.kOnMessageComplete !== "number") return undefined;
    const probe = new P();
    if (typeof probe.initialize !== "function" || typeof probe.execute !== "function" || typeof probe.finish !== "function") return undefined;
    return { parser: P, methodsKnown: methodsAgree(mod.methods) };
  } catch {
    return undefined;
  }
}

const binding = load();

/** The parser class, or undefined when this Node does not expose it. */
export const HTTPParser = binding?.parser;

/**
 * The one feature probe of the fast paths: every internal the client side
 * (http1/server.ts) and the upstream side (http1/client/) use, checked once.
 * Both sides take the fast path only when nothing is missing, and both fall
 * back together (node:http server, undici client) otherwise, so a Node
 * upgrade that drops or changes one internal costs speed, never correctness.
 * That includes the socket handle's readStart/readStop (stopReading and
 * startReading below), without which a consumed socket could not be paused.
 */
export const fastPath: { readonly usable: boolean; readonly missing: readonly string[] } = (() => {
  const missing: string[] = [];
  const P = binding?.parser;
  if (P === undefined) return { usable: false, missing: ["_http_common.HTTPParser"] };
  for (const k of ["REQUEST", "RESPONSE", "kOnMessageBegin", "kOnHeaders", "kOnHeadersComplete", "kOnBody", "kOnMessageComplete", "kOnExecute"] as const) {
    if (typeof P[k] !== "number") missing.push(`HTTPParser.${k}`);
  }
  if (!binding!.methodsKnown) missing.push("_http_common.methods (llhttp's method order)");
  const probe = new P();
  for (const m of ["initialize", "execute", "finish", "close", "consume", "unconsume", "getCurrentBuffer"] as const) {
    if (typeof probe[m] !== "function") missing.push(`HTTPParser.prototype.${m}`);
  }
  missing.push(...streamHandleMissing(sampleStreamHandle()));
  return { usable: missing.length === 0, missing };
})();

/** The reading controls stopReading/startReading call on a socket's handle, by name, that `handle` lacks. */
export function streamHandleMissing(handle: unknown): string[] {
  if (handle === null || typeof handle !== "object") return ["socket._handle"];
  const h = handle as Record<string, unknown>;
  return (["readStart", "readStop"] as const).filter((m) => typeof h[m] !== "function").map((m) => `socket._handle.${m}`);
}

/**
 * A net socket's stream handle, made without any traffic: connect() creates
 * the handle at once, and a pipe path that does not exist fails with ENOENT.
 * Pipe and TCP handles share their stream methods (LibuvStreamWrap), and TLS
 * handles have the same ones (StreamBase).
 */
function sampleStreamHandle(): unknown {
  const socket = new net.Socket();
  socket.on("error", () => {});
  try {
    socket.connect({ path: join(tmpdir(), `edgeform-probe-${process.pid}-does-not-exist`) });
    return (socket as HandleSocket)._handle;
  } catch {
    return undefined;
  } finally {
    socket.destroy();
  }
}

/** Method name for llhttp's method index. */
export function methodName(index: number): string | undefined {
  return LLHTTP_METHODS[index];
}

type HandleSocket = Socket & { _handle?: { readStart(): number; readStop(): number; reading: boolean } | null };

/** Hands a connected socket's reads to `parser` (results arrive through kOnExecute). */
export function consumeSocket(parser: NativeParser, socket: Socket): void {
  parser.consume((socket as HandleSocket)._handle);
}

/**
 * Stops reading a socket llhttp consumes. socket.pause() would not: nothing is
 * pushed into the stream, so its buffer never fills. The handle's `reading`
 * flag is kept in step, as Node's http server does, so net.Socket agrees.
 */
export function stopReading(socket: Socket): void {
  const handle = (socket as HandleSocket)._handle;
  if (handle && handle.reading) {
    handle.reading = false;
    handle.readStop();
  }
}

export function startReading(socket: Socket): void {
  const handle = (socket as HandleSocket)._handle;
  if (handle && !handle.reading && !socket.destroyed) {
    handle.reading = true;
    handle.readStart();
  }
}

/**
 * What a parser's owner (a client or an upstream connection) answers to. The
 * callbacks below find it through `parser.owner`, so a connection installs
 * shared functions instead of closures of its own.
 */
export interface ParserOwner {
  bodyChunk(chunk: Buffer): void;
  messageComplete(): void;
  /** After each read llhttp parsed in consume mode: bytes parsed, or the parse error. */
  executed(ret: number | ParseError): void;
}

/** The callbacks that differ between requests and responses (header handling). */
export interface HeaderCallbacks {
  onHeaders(this: NativeParser, headers: string[], url: string): void;
  onHeadersComplete(this: NativeParser, ...args: never[]): number;
  onMessageBegin?(this: NativeParser): void;
}

/**
 * A parser in strict mode (no leniency: conflicting framing, obs-fold and
 * bad chunks are errors) calling back into `owner`. Both the client and the
 * upstream side are made here, so neither can end up lenient by itself.
 */
export function strictParser(kind: "request" | "response", maxHeaderSize: number, owner: ParserOwner, callbacks: HeaderCallbacks): NativeParser {
  const P = HTTPParser!;
  const parser = new P();
  parser.initialize(kind === "request" ? P.REQUEST : P.RESPONSE, {}, maxHeaderSize, P.kLenientNone ?? 0);
  parser.owner = owner;
  if (callbacks.onMessageBegin !== undefined) parser[P.kOnMessageBegin] = callbacks.onMessageBegin;
  parser[P.kOnHeaders] = callbacks.onHeaders;
  parser[P.kOnHeadersComplete] = callbacks.onHeadersComplete;
  parser[P.kOnBody] = onParserBody;
  parser[P.kOnMessageComplete] = onParserMessageComplete;
  parser[P.kOnExecute] = onParserExecute;
  return parser;
}

export function onParserBody(this: NativeParser, chunk: Buffer): void {
  (this.owner as ParserOwner).bodyChunk(chunk);
}

export function onParserMessageComplete(this: NativeParser): void {
  (this.owner as ParserOwner).messageComplete();
}

export function onParserExecute(this: NativeParser, ret: number | ParseError): void {
  (this.owner as ParserOwner).executed(ret);
}

/** Frees the native parser (later: it may be in the middle of calling back). */
export function closeParserSoon(parser: NativeParser): void {
  setImmediate(closeParser, parser);
}

function closeParser(parser: NativeParser): void {
  parser.close();
}
