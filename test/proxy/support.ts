/**
 * Test helpers for the proxy: real loopback backends that record what they
 * receive, a runtime-config builder, a proxy started in-process with a
 * silent (or captured) logger, and small HTTP / raw-socket clients.
 * Everything binds 127.0.0.1 on port 0 and is closed by the caller's finally.
 */
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import net, { type AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { pino } from "pino";
import type { ClusterConfig, ProxyRuntimeConfig, RouteConfig } from "../../src/plan/proxy-config.js";
import { startProxy, type RunningProxy, type StartOptions } from "../../src/proxy/index.js";

export interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  body: Buffer;
}

export interface Backend {
  name: string;
  port: number;
  server: http.Server;
  seen: Seen[];
  close(): Promise<void>;
}

export type BackendHandler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void;

/** A backend that records each request (after reading its body) and answers with its name. */
export async function startBackend(name: string, handler?: BackendHandler, port = 0): Promise<Backend> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, rawHeaders: req.rawHeaders, body });
      if (handler) return handler(req, res, body);
      res.writeHead(200, { "content-type": "text/plain", "x-backend": name });
      res.end(name);
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
  return {
    name,
    port: (server.address() as AddressInfo).port,
    server,
    seen,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

export const OUTLIER_OFF = { consecutive5xx: 0, consecutiveConnectFailures: 0, baseEjectionMs: 30_000, maxEjectionMs: 300_000, panicThreshold: 0 };

export function cluster(name: string, backends: Array<Pick<Backend, "port"> & { weight?: number }>, extra: Partial<ClusterConfig> = {}): ClusterConfig {
  return {
    name,
    discovery: { type: "static", endpoints: backends.map((b) => ({ host: "127.0.0.1", port: b.port, weight: b.weight ?? 1 })) },
    outlier: OUTLIER_OFF,
    ...extra,
  };
}

export function route(name: string, fleet: string, extra: Partial<RouteConfig> = {}): RouteConfig {
  return {
    name,
    listeners: ["web"],
    match: { pathPrefix: "/" },
    cluster: fleet,
    balancer: { algorithm: "round-robin" },
    retry: { attempts: 0, on: [] },
    timeouts: { connectMs: 1000, responseMs: 5000, idleMs: 5000 },
    ...extra,
  };
}

/** A runtime config with one HTTP listener "web" (port 0) and admin on port 0. */
export function config(clusters: ClusterConfig[], routes: RouteConfig[], extra: Partial<ProxyRuntimeConfig> = {}): ProxyRuntimeConfig {
  return {
    version: 1,
    name: "test",
    listeners: [{ name: "web", protocol: "http", host: "127.0.0.1", port: 0 }],
    routes,
    clusters,
    caches: [],
    admin: { host: "127.0.0.1", port: 0 },
    limits: { headerTimeoutMs: 5000, requestTimeoutMs: 10_000, maxHeaderBytes: 16 * 1024, keepAliveTimeoutMs: 5000 },
    trustedProxies: [],
    retryBudget: { ratio: 0.2, minPerSecond: 100 },
    accessLog: false,
    ...extra,
  };
}

/** Log lines written by a proxy under test. */
export class LogCapture extends Writable {
  readonly lines: Array<Record<string, unknown>> = [];
  override _write(chunk: Buffer, _enc: string, cb: () => void): void {
    for (const line of chunk.toString("utf8").split("\n")) if (line.trim()) this.lines.push(JSON.parse(line) as Record<string, unknown>);
    cb();
  }
}

export function silentLogger() {
  return pino({ level: "silent" });
}

export async function withProxy<T>(cfg: ProxyRuntimeConfig, fn: (proxy: RunningProxy) => Promise<T>, options: StartOptions = {}): Promise<T> {
  const proxy = await startProxy(cfg, { logger: silentLogger(), drainTimeoutMs: 2000, ...options });
  try {
    return await fn(proxy);
  } finally {
    await proxy.close();
  }
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One request on a fresh connection (no agent), body read whole. */
export function get(port: number, path = "/", options: { method?: string; headers?: Record<string, string>; body?: string | Buffer; timeoutMs?: number } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, path, method: options.method ?? "GET", headers: options.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.setTimeout(options.timeoutMs ?? 10_000, () => req.destroy(new Error("client timeout")));
    req.on("error", reject);
    req.end(options.body);
  });
}

/** Writes raw bytes and collects everything the server sends until it closes (or `waitMs` passes). */
export function raw(port: number, bytes: string | Buffer, waitMs = 2000): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    let closed = false;
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ text: Buffer.concat(chunks).toString("latin1"), closed });
    }, waitMs);
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.on("error", () => {});
    socket.on("close", () => {
      closed = true;
      clearTimeout(timer);
      resolve({ text: Buffer.concat(chunks).toString("latin1"), closed });
    });
    socket.on("connect", () => socket.write(bytes));
    socket.on("error", reject);
  });
}

/** Counts of answers by body (backend name) over `n` sequential requests. */
export async function distribution(port: number, n: number, headers?: (i: number) => Record<string, string>): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const r = await get(port, "/", headers ? { headers: headers(i) } : {});
    counts.set(r.body, (counts.get(r.body) ?? 0) + 1);
  }
  return counts;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export { eventually } from "../support/net.js";
