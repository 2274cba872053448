/**
 * The demo origin: a tiny HTTP backend that says which replica answered and
 * lets a caller steer caching and failures from the URL, so every feature of
 * the edge (balancing, caching, revalidation, purging, health, retries) can be
 * seen with curl. Plain node:http on purpose: it is also the demo image.
 *
 * Query parameters (any path):
 *   cache=<seconds>   Cache-Control: public, max-age=<seconds>
 *   etag=1            strong ETag per URL; If-None-Match → 304
 *   surrogate=<keys>  Surrogate-Key: <keys> (space or comma separated)
 *   delay=<ms>        wait before answering (at most 60000)
 *   status=<code>     answer with this status (200-599)
 *   size=<bytes>      a text/plain body of exactly this many bytes
 * Admin (POST, direct only — refused when the request came through a proxy):
 *   /admin/fail?rate=0.5[&status=503][&healthz=1]   fail a fraction of requests
 *   /admin/recover                                  stop failing
 * GET /healthz answers 200 unless failures were injected with healthz=1.
 */
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";

export interface OriginOptions {
  /** Replica id shown in responses (EDGEFORM_REPLICA, or the host name in a container). */
  replica: string;
  /** Fleet name shown in responses; empty when unknown. */
  fleet: string;
  /** Random source for failure injection; injectable so tests are deterministic. */
  random?: () => number;
}

/** Failure injection state, changed only through the admin endpoints. */
interface FaultState {
  rate: number;
  status: number;
  healthz: boolean;
}

const MAX_DELAY_MS = 60_000;
const MAX_SIZE_BYTES = 64 * 1024 * 1024;
const MAX_CACHE_SECONDS = 31_536_000;

class BadRequest extends Error {}

export function createOriginServer(options: OriginOptions): Server {
  const server = createServer(createOriginHandler(options));
  // Idle keep-alive sockets must not hold a graceful shutdown open.
  server.keepAliveTimeout = 5_000;
  return server;
}

export function createOriginHandler(options: OriginOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const random = options.random ?? Math.random;
  const faults: FaultState = { rate: 0, status: 503, healthz: false };
  const servedBy = options.fleet ? `${options.fleet}-${options.replica}` : options.replica;
  // A replica index (dev, ECS task index) reads best as a number; a container host name stays a string.
  const replica = /^\d+$/.test(options.replica) ? Number(options.replica) : options.replica;
  const identity = (path: string) => ({ replica, fleet: options.fleet, pid: process.pid, path });

  return (req, res) => {
    res.setHeader("X-Served-By", servedBy);
    const url = new URL(req.url ?? "/", "http://origin.invalid");
    const path = url.pathname + url.search;
    try {
      if (url.pathname.startsWith("/admin/")) return admin(req, res, url, faults, identity(path));
      if (url.pathname === "/healthz") {
        const failing = faults.healthz && random() < faults.rate;
        return sendJson(res, failing ? faults.status : 200, { status: failing ? "failing" : "ok", ...identity(path) }, { "Cache-Control": "no-store" });
      }
      const behaviour = parseBehaviour(url.searchParams);
      const answer = () => respond(req, res, path, behaviour, faults, random, identity(path));
      if (behaviour.delayMs > 0) {
        const timer = setTimeout(answer, behaviour.delayMs);
        // A client that gave up must not keep the timer (and the socket) alive.
        res.on("close", () => clearTimeout(timer));
      } else answer();
    } catch (e) {
      if (e instanceof BadRequest) return sendJson(res, 400, { error: e.message, ...identity(path) }, { "Cache-Control": "no-store" });
      throw e;
    }
  };
}

interface Behaviour {
  cacheSeconds?: number;
  etag: boolean;
  surrogateKeys?: string;
  delayMs: number;
  status: number;
  size?: number;
}

function parseBehaviour(q: URLSearchParams): Behaviour {
  const b: Behaviour = { etag: q.get("etag") === "1" || q.get("etag") === "true", delayMs: 0, status: 200 };
  const cache = q.get("cache");
  if (cache !== null) b.cacheSeconds = intParam("cache", cache, 0, MAX_CACHE_SECONDS);
  const surrogate = q.get("surrogate");
  if (surrogate !== null) {
    const keys = surrogate.split(/[\s,]+/).filter(Boolean);
    // Header values must not carry control characters (response splitting).
    if (keys.some((k) => !/^[\x21-\x7e]+$/.test(k))) throw new BadRequest("surrogate keys must be printable ASCII without spaces");
    b.surrogateKeys = keys.join(" ");
  }
  const delay = q.get("delay");
  if (delay !== null) b.delayMs = intParam("delay", delay, 0, MAX_DELAY_MS);
  const status = q.get("status");
  if (status !== null) b.status = intParam("status", status, 200, 599);
  const size = q.get("size");
  if (size !== null) b.size = intParam("size", size, 0, MAX_SIZE_BYTES);
  return b;
}

function intParam(name: string, text: string, min: number, max: number): number {
  if (!/^\d+$/.test(text)) throw new BadRequest(`${name} must be a whole number, got "${text}"`);
  const n = Number(text);
  if (n < min || n > max) throw new BadRequest(`${name} must be between ${min} and ${max}, got ${n}`);
  return n;
}

function respond(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  b: Behaviour,
  faults: FaultState,
  random: () => number,
  identity: Record<string, unknown>,
): void {
  if (faults.rate > 0 && random() < faults.rate) {
    return sendJson(res, faults.status, { error: "injected failure (POST /admin/recover to stop)", ...identity }, { "Cache-Control": "no-store" });
  }
  const headers: Record<string, string> = {};
  if (b.cacheSeconds !== undefined) headers["Cache-Control"] = `public, max-age=${b.cacheSeconds}`;
  if (b.surrogateKeys) headers["Surrogate-Key"] = b.surrogateKeys;
  if (b.etag) {
    // One ETag per URL, not per body: every replica serves the "same" resource,
    // so a revalidation answered by another replica still matches.
    const etag = `"${createHash("sha256").update(path).digest("base64url").slice(0, 22)}"`;
    headers["ETag"] = etag;
    if ((req.method === "GET" || req.method === "HEAD") && b.status === 200 && ifNoneMatchHits(req.headers["if-none-match"], etag)) {
      res.writeHead(304, headers);
      return void res.end();
    }
  }
  if (b.size !== undefined) {
    headers["Content-Type"] = "text/plain; charset=utf-8";
    return send(res, b.status, headers, filler(b.size));
  }
  return sendJson(res, b.status, { ...identity, servedAt: new Date().toISOString() }, headers);
}

/** RFC 9110 §13.1.2: weak comparison, "*" matches any current representation. */
function ifNoneMatchHits(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === "*") return true;
  return header.split(",").some((t) => t.trim().replace(/^W\//, "") === etag);
}

function filler(size: number): Buffer {
  const unit = Buffer.from("edgeform demo origin\n");
  const out = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i += unit.length) unit.copy(out, i, 0, Math.min(unit.length, size - i));
  return out;
}

function admin(req: IncomingMessage, res: ServerResponse, url: URL, faults: FaultState, identity: Record<string, unknown>): void {
  const noStore = { "Cache-Control": "no-store" };
  // Admin endpoints change behaviour for everyone: only callers that reach the
  // replica directly may use them, never traffic forwarded by the edge.
  if (req.headers["x-forwarded-for"] !== undefined || req.headers["forwarded"] !== undefined || req.headers["via"] !== undefined) {
    return sendJson(res, 403, { error: "admin endpoints answer only direct requests, not requests forwarded by a proxy", ...identity }, noStore);
  }
  if (url.pathname !== "/admin/fail" && url.pathname !== "/admin/recover") {
    return sendJson(res, 404, { error: "unknown admin endpoint; use POST /admin/fail?rate=0.5 or POST /admin/recover", ...identity }, noStore);
  }
  if (req.method !== "POST") return sendJson(res, 405, { error: "use POST", ...identity }, { ...noStore, Allow: "POST" });
  try {
    if (url.pathname === "/admin/recover") {
      Object.assign(faults, { rate: 0, status: 503, healthz: false });
    } else {
      const rate = Number(url.searchParams.get("rate") ?? "1");
      if (!Number.isFinite(rate) || rate < 0 || rate > 1) throw new BadRequest(`rate must be a number from 0 to 1, got "${url.searchParams.get("rate")}"`);
      const status = url.searchParams.get("status");
      faults.rate = rate;
      faults.status = status === null ? 503 : intParam("status", status, 400, 599);
      faults.healthz = url.searchParams.get("healthz") === "1";
    }
  } catch (e) {
    if (e instanceof BadRequest) return sendJson(res, 400, { error: e.message, ...identity }, noStore);
    throw e;
  }
  req.resume();
  sendJson(res, 200, { faults: { ...faults }, ...identity }, noStore);
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string>): void {
  send(res, status, { "Content-Type": "application/json", ...headers }, Buffer.from(JSON.stringify(body) + "\n"));
}

/** node:http itself drops the body of HEAD responses, keeping Content-Length. */
function send(res: ServerResponse, status: number, headers: Record<string, string>, body: Buffer): void {
  res.writeHead(status, { ...headers, "Content-Length": String(body.length) });
  res.end(body);
}
