/**
 * Answers the proxy writes itself: the gateway answer to a failed upstream
 * request (classified by upstream/errors.ts) and short plain-text answers
 * (404 for unrouted requests, 400 for refused ones).
 */
import type { Exchange, RoutedExchange } from "./exchange.js";
import type { Failure, GatewayStatus } from "../upstream/errors.js";

const TEXT: Record<GatewayStatus, string> = { 400: "Bad Request", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout" };

/**
 * Answers the client for a failed upstream request, with a short body, and
 * logs one line. When the response has already started, the only honest
 * signal left is to cut the connection.
 */
export function respondWithFailure(exchange: RoutedExchange, failure: Failure, backend: string | undefined): void {
  const { res, route, requestId } = exchange;
  exchange.listener.logger.warn(
    { event: "upstream-error", route: route.name, fleet: route.fleet.name, backend, status: failure.status, reason: failure.reason, requestId },
    failure.message,
  );
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  sendShort(exchange, failure.status, `${failure.status} ${TEXT[failure.status]}: ${failure.message}\n`);
}

/** A short plain-text answer from the proxy itself (errors, 404 for unrouted requests). */
export function sendShort(exchange: Exchange, status: number, body: string): void {
  const { res, requestId } = exchange;
  // The generation's identity on this listener (a routed exchange has it at hand).
  const via = (exchange.route?.identity ?? exchange.generation.identity(exchange.listener.name)).via;
  res.writeHead(status, [
    "content-type", "text/plain; charset=utf-8",
    "content-length", String(Buffer.byteLength(body)),
    "cache-control", "no-store",
    "via", via,
    "x-request-id", requestId,
  ]);
  res.end(body);
}
