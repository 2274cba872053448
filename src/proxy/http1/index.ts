/**
 * Which server parses client requests: the proxy's own (http1/server.ts)
 * when the fast path's probe passes (llhttp.ts: fastPath), node:http otherwise or when
 * EDGEFORM_CLIENT_SERVER=node asks for it.
 */
import type { TlsOptions } from "node:tls";
import { fastPath } from "./llhttp.js";
import { NodeClientServer } from "./node-server.js";
import { Http1Server } from "./server.js";
import type { ClientHandlers, ClientLimits, ClientServer } from "./types.js";

export type { ClientHandlers, ClientLimits, ClientServer, ProxyRequest, ProxyResponse } from "./types.js";

export type ClientServerKind = "edgeform" | "node";

export function clientServerKind(env: NodeJS.ProcessEnv = process.env): ClientServerKind {
  return env["EDGEFORM_CLIENT_SERVER"] === "node" || !fastPath.usable ? "node" : "edgeform";
}

/** With `tls`, the server terminates TLS (an https listener) and serves HTTP/1.1 inside it exactly as without. */
export function createClientServer(limits: ClientLimits, handlers: ClientHandlers, kind: ClientServerKind = clientServerKind(), tls?: TlsOptions): ClientServer {
  return kind === "node" ? new NodeClientServer(limits, handlers, tls) : new Http1Server(limits, handlers, tls);
}
