/**
 * A topology for the request-identity tests: a reflecting origin fleet
 * ("public", behind a cached catch-all route and a cached /static/ route) and
 * an "admin" fleet behind an uncached /admin route, so a test can see which
 * route a request took, what the cache stored and what the origin received.
 */
import type { ProxyRuntimeConfig } from "../../src/plan/proxy-config.js";
import type { RunningProxy } from "../../src/proxy/index.js";
import { cluster, config, raw, route, startBackend, withProxy, type Backend } from "./support.js";

export const CACHE = { name: "edge", memory: { maxBytes: 1 << 22, maxObjectBytes: 1 << 20 }, heuristicFreshness: false, defaultStaleIfErrorMs: 0 };
const CACHED = { cache: "edge", keyQuery: "keep" as const, cacheSetCookie: false };

/** What the origin tells about the request it got, in its cached body. */
export function reflection(req: { url?: string | undefined; headers: Record<string, string | string[] | undefined> }, n: number): string {
  const h = req.headers;
  return JSON.stringify({ n, url: req.url, host: h.host, xfh: h["x-forwarded-host"], xfp: h["x-forwarded-proto"], fwd: h.forwarded });
}

export interface Topology {
  port: number;
  proxy: RunningProxy;
  pub: Backend;
  admin: Backend;
}

export async function withTopology(fn: (t: Topology) => Promise<void>, extra: Partial<ProxyRuntimeConfig> = {}): Promise<void> {
  let n = 0;
  const reflect = (name: string) => (req: import("node:http").IncomingMessage, res: import("node:http").ServerResponse) => {
    const body = reflection(req, ++n);
    res.writeHead(200, { "cache-control": "max-age=60", "content-type": "application/json", "content-length": Buffer.byteLength(body), "x-backend": name });
    res.end(body);
  };
  const pub = await startBackend("public", reflect("public"));
  const admin = await startBackend("admin", reflect("admin"));
  try {
    const cfg = config(
      [cluster("public", [pub]), cluster("admin", [admin])],
      [
        route("admin", "admin", { match: { pathPrefix: "/admin" } }),
        route("static", "public", { match: { pathPrefix: "/static/" }, cache: CACHED }),
        route("public", "public", { cache: CACHED }),
      ],
      { caches: [CACHE], ...extra },
    );
    await withProxy(cfg, async (proxy) => fn({ port: proxy.ports["web"]!, proxy, pub, admin }));
  } finally {
    await pub.close();
    await admin.close();
  }
}

export interface RawReply {
  status: number;
  head: string;
  body: string;
}

/** One raw request (Connection: close added unless `keep` is set) and its parsed-enough reply. */
export async function send(port: number, requestLine: string, headers: string[], body = ""): Promise<RawReply> {
  const text = (await raw(port, `${requestLine}\r\n${[...headers, "Connection: close"].map((h) => `${h}\r\n`).join("")}\r\n${body}`)).text;
  const split = text.indexOf("\r\n\r\n");
  const head = split < 0 ? text : text.slice(0, split);
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(head);
  return { status: m ? Number(m[1]) : 0, head, body: split < 0 ? "" : text.slice(split + 4) };
}
