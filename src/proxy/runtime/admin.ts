/**
 * The admin listener, separate from traffic listeners:
 *
 *   GET  /metrics   Prometheus text format
 *   GET  /healthz   200 while the process serves (liveness: container and target-group checks)
 *   GET  /readyz    200 when the config is loaded, listeners are bound and the replica is not
 *                   draining, else 503; usable backends per fleet are detail, never a reason
 *   POST /reload    re-read the config and swap it in            (bearer token)
 *   POST /purge     {url|prefix|surrogateKey, cache?} → purge     (bearer token)
 *
 * State-changing endpoints need `Authorization: Bearer <token>`, the token
 * read from the environment variable the config names (never from the
 * config itself). Without a configured token they are disabled (403).
 */
import { createHash, timingSafeEqual } from "node:crypto";
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AdminConfig } from "../../plan/proxy-config.js";
import { bindServer, boundPort, sameAddress } from "./bind.js";
import { isEdgeformError } from "../../errors.js";
import type { PurgeRequest } from "./cache-layers.js";
import type { Logger } from "./log.js";

/** What the admin endpoints act on: one proxy process, or a primary speaking for its workers. */
export interface AdminActions {
  metrics(): Promise<{ contentType: string; body: string }>;
  readiness(): Promise<{ ready: boolean; detail: Record<string, unknown> }>;
  reload(): Promise<void>;
  purge(selector: PurgeRequest, cache: string | undefined): Promise<number>;
}

/** Largest purge request body accepted. */
const MAX_BODY_BYTES = 16 * 1024;

export class AdminServer {
  readonly server: http.Server;

  constructor(
    private config: AdminConfig,
    private readonly actions: AdminActions,
    private readonly logger: Logger,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.server = http.createServer({ maxHeaderSize: 16 * 1024, requestTimeout: 30_000, headersTimeout: 10_000 }, (req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        this.logger.error({ err: err instanceof Error ? err.stack : String(err) }, "admin request failed");
        if (!res.headersSent) json(res, 500, { error: "internal error" });
      });
    });
  }

  get port(): number {
    return boundPort(this.server, this.config.port);
  }

  sameSocket(next: AdminConfig): boolean {
    return sameAddress(this.config, next);
  }

  /** Picks up a new token variable on reload (the address stays). */
  update(config: AdminConfig): void {
    this.config = config;
  }

  listen(): Promise<void> {
    return bindServer(this.server, this.config);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0];
    const method = req.method ?? "GET";
    if (path === "/metrics" && (method === "GET" || method === "HEAD")) {
      if (this.config.metricsTokenEnv !== undefined && !this.metricsAuthorized(req, res, this.config.metricsTokenEnv)) return;
      const m = await this.actions.metrics();
      res.writeHead(200, { "content-type": m.contentType, "cache-control": "no-store" });
      res.end(m.body);
      return;
    }
    if (path === "/healthz" && (method === "GET" || method === "HEAD")) return json(res, 200, { status: "ok" });
    if (path === "/readyz" && (method === "GET" || method === "HEAD")) {
      const r = await this.actions.readiness();
      return json(res, r.ready ? 200 : 503, { ready: r.ready, ...r.detail });
    }
    if (path === "/reload" || path === "/purge") {
      if (method !== "POST") return json(res, 405, { error: `${path} needs POST` }, { allow: "POST" });
      if (!this.authorized(req, res)) return;
      return path === "/reload" ? this.reload(res) : this.purge(req, res);
    }
    json(res, 404, { error: "not found", endpoints: ["GET /metrics", "GET /healthz", "GET /readyz", "POST /reload", "POST /purge"] });
  }

  /** Checks the bearer token; answers 401/403 itself when it does not pass. */
  private authorized(req: IncomingMessage, res: ServerResponse): boolean {
    const variable = this.config.tokenEnv;
    const expected = variable === undefined ? undefined : this.env[variable];
    if (expected === undefined || expected === "") {
      json(res, 403, {
        error: "state-changing admin endpoints are disabled because no admin token is configured",
        fix: variable === undefined
          ? "set edge.admin.token to a secret in the spec, then provide that secret in the proxy's environment"
          : `set the environment variable ${variable} to a token, then send it as "Authorization: Bearer <token>"`,
      });
      return false;
    }
    if (!bearerMatches(req, expected)) {
      this.logger.warn({ event: "admin-denied", path: req.url, client: req.socket.remoteAddress }, "admin request with a missing or wrong bearer token");
      json(res, 401, { error: 'missing or wrong bearer token (send "Authorization: Bearer <token>")' }, { "www-authenticate": 'Bearer realm="edgeform-admin"' });
      return false;
    }
    return true;
  }

  /**
   * /metrics names every backend address, so a spec may protect it with a
   * token of its own (Prometheus sends it with `authorization`); a token
   * configured but missing from the environment closes it rather than
   * opening it.
   */
  private metricsAuthorized(req: IncomingMessage, res: ServerResponse, variable: string): boolean {
    const expected = this.env[variable];
    if (expected === undefined || expected === "") {
      json(res, 403, { error: "/metrics needs a token, but none is configured", fix: `set the environment variable ${variable} (edge.admin.metricsToken), then send it as "Authorization: Bearer <token>"` });
      return false;
    }
    if (bearerMatches(req, expected)) return true;
    this.logger.warn({ event: "admin-denied", path: req.url, client: req.socket.remoteAddress }, "metrics request with a missing or wrong bearer token");
    json(res, 401, { error: 'missing or wrong bearer token (send "Authorization: Bearer <token>")' }, { "www-authenticate": 'Bearer realm="edgeform-metrics"' });
    return false;
  }

  private async reload(res: ServerResponse): Promise<void> {
    try {
      await this.actions.reload();
      json(res, 200, { reloaded: true });
    } catch (err) {
      const message = isEdgeformError(err) ? err.toString() : String(err);
      this.logger.error({ event: "reload-failed", err: message }, "reload failed; the previous config stays in effect");
      json(res, 422, { reloaded: false, error: message });
    }
  }

  private async purge(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const text = await readBody(req, MAX_BODY_BYTES).catch(() => undefined);
    if (text === undefined) return json(res, 413, { error: `purge body larger than ${MAX_BODY_BYTES} bytes` });
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return json(res, 400, { error: 'body must be JSON: {"url": …} | {"prefix": …} | {"surrogateKey": …}, optionally with "cache"' });
    }
    const selector: PurgeRequest = {};
    for (const key of ["url", "prefix", "surrogateKey"] as const) {
      const v = body[key];
      if (typeof v === "string" && v !== "") selector[key] = v;
    }
    if (Object.keys(selector).length !== 1) return json(res, 400, { error: 'give exactly one of "url", "prefix" or "surrogateKey"' });
    const cache = typeof body["cache"] === "string" ? body["cache"] : undefined;
    let purged: number;
    try {
      purged = await this.actions.purge(selector, cache);
    } catch (err) {
      if (!isEdgeformError(err)) throw err;
      return json(res, 400, { error: err.message, ...(err.hint ? { fix: err.hint } : {}) });
    }
    this.logger.info({ event: "purge", ...selector, cache, purged }, "cache purge");
    json(res, 200, { purged });
  }
}

/** Constant-time comparison of two secrets of any length (hashing first equalizes lengths). */
export function sameSecret(given: string, expected: string): boolean {
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new Error("too large"));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function bearerMatches(req: IncomingMessage, expected: string): boolean {
  const match = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? "");
  return match !== null && sameSecret(match[1]!.trim(), expected);
}
