/**
 * The fallback client side: Node's own http server, for a Node whose llhttp
 * binding is not usable by http1/server.ts (or EDGEFORM_CLIENT_SERVER=node).
 * It applies the same limits (strict parser, header/request/keep-alive
 * timeouts, Host required) and hands the listener the same shapes.
 */
import http, { type IncomingMessage, type ServerOptions, type ServerResponse } from "node:http";
import https from "node:https";
import type { TlsOptions } from "node:tls";
import type { Socket } from "node:net";
import { Exchange } from "../http/exchange.js";
import { onlyContinue } from "../http/expect.js";
import { deadlineCheckMs } from "./limits.js";
import type { ClientHandlers, ClientLimits, ClientServer, ProxyRequest, ProxyResponse } from "./types.js";

/** Node's options for limits made by clientLimits() (which already keeps headersTimeout <= requestTimeout, as Node requires). */
export function nodeServerOptions(limits: ClientLimits): ServerOptions {
  return {
    insecureHTTPParser: false,
    maxHeaderSize: limits.maxHeaderSize,
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // Node's default interval (30 s) would let a slow client outlive a short header timeout by that much.
    connectionsCheckingInterval: deadlineCheckMs(limits),
    requireHostHeader: true,
    joinDuplicateHeaders: false,
    noDelay: true,
  };
}

export class NodeClientServer implements ClientServer {
  readonly server: http.Server;

  constructor(limits: ClientLimits, handlers: ClientHandlers, tlsOptions?: TlsOptions) {
    const onRequest = (req: IncomingMessage, res: ServerResponse) => handlers.request(new Exchange(adaptRequest(req), res as unknown as ProxyResponse));
    const server: http.Server = tlsOptions === undefined
      ? http.createServer(nodeServerOptions(limits), onRequest)
      : https.createServer({ ...tlsOptions, ...nodeServerOptions(limits) }, onRequest);
    server.on(tlsOptions === undefined ? "connection" : "secureConnection", (socket: Socket) => handlers.connection(socket));
    server.on("clientError", (err: NodeJS.ErrnoException, socket: Socket) => {
      // Bytes after a Connection: close request: that request is still answered and the socket
      // then closes (RFC 9112 §9.6); refusing here would lose its response.
      if (err.code === "HPE_CLOSED_CONNECTION") return;
      const busy = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
      handlers.clientError(err, socket, socket.writable && (busy === undefined || busy === null || !busy.headersSent));
    });
    // Node meets any Expect that mentions 100-continue, and sends 100 to HTTP/1.0 clients too; apply the proxy's rule.
    server.on("checkContinue", (req: IncomingMessage, res: ServerResponse) => {
      const expect = req.headers.expect ?? "";
      if (!onlyContinue(expect)) {
        res.writeHead(417, { "content-type": "text/plain; charset=utf-8", connection: "close" });
        res.end(`417 the expectation "${expect.slice(0, 64)}" is not supported\n`);
        return;
      }
      if (req.httpVersion === "1.1") res.writeContinue();
      handlers.request(new Exchange(adaptRequest(req), res as unknown as ProxyResponse));
    });
    server.on("upgrade", (req: IncomingMessage, socket: Socket, head: Buffer) => handlers.upgrade(new Exchange(adaptRequest(req), { socket, head })));
    this.server = server;
  }

  update(limits: ClientLimits): void {
    const o = nodeServerOptions(limits);
    Object.assign(this.server, { headersTimeout: o.headersTimeout, requestTimeout: o.requestTimeout, keepAliveTimeout: o.keepAliveTimeout, maxHeaderSize: o.maxHeaderSize });
  }

  closeIdleConnections(): void {
    this.server.closeIdleConnections();
  }

  closeAllConnections(): void {
    this.server.closeAllConnections();
  }
}

function adaptRequest(req: IncomingMessage): ProxyRequest {
  return {
    method: req.method!,
    url: req.url ?? "/",
    httpVersion: req.httpVersion,
    rawHeaders: req.rawHeaders,
    get headers() {
      return req.headers;
    },
    socket: req.socket,
    body: req,
    bodyTouched: () => req.readableDidRead,
  };
}
