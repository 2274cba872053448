/**
 * The one boundary where upstream failures become gateway responses (after
 * fastify-reply-from's lib/errors.js): every transport error is classified
 * once into the outcome the cluster learns from, the status the client gets,
 * a stable reason for metrics, and a short sentence for the log and body.
 *
 *   connect refused / unreachable / DNS   → 502  connect-failure
 *   connect timeout                       → 504  connect-timeout
 *   no response headers in time           → 504  response-timeout
 *   body stalled longer than idle timeout → 504  idle-timeout
 *   connection reset / closed early       → 502  reset
 *   malformed response                    → 502  invalid-response
 *   no usable backend                     → 503  no-backend
 *   request undici refuses to send        → 400  invalid-request
 */
import { upstreamTlsFailure } from "../tls/upstream-tls.js";
import type { Outcome } from "../upstream/contracts.js";
import type { ProxyResponse } from "../http1/types.js";
import type { Logger } from "../runtime/log.js";

/** 400 only for a request undici refuses to send (it is the client's, not the backend's, fault). */
export type GatewayStatus = 400 | 502 | 503 | 504;

export interface Failure {
  /** What the cluster's passive health records. */
  outcome: Outcome;
  status: GatewayStatus;
  /** Metric label for edgeform_upstream_errors_total. */
  reason: string;
  /** One sentence for logs. */
  message: string;
}

/** Thrown (or passed) when a request cannot be sent anywhere. */
export class NoBackendError extends Error {
  override name = "NoBackendError";
  constructor(readonly fleet: string) {
    super(`no usable backend in fleet "${fleet}"`);
  }
}

const TEXT: Record<GatewayStatus, string> = { 400: "Bad Request", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout" };

export function classifyUpstreamError(err: unknown): Failure {
  if (err instanceof NoBackendError) return { outcome: "connect-failure", status: 503, reason: "no-backend", message: err.message };
  const e = err as { code?: string; message?: string } | undefined;
  const code = e?.code ?? "";
  const detail = e?.message ?? String(err);
  switch (code) {
    case "UND_ERR_INVALID_ARG":
    case "UND_ERR_NOT_SUPPORTED":
      return { outcome: "success", status: 400, reason: "invalid-request", message: `the request cannot be forwarded (${detail})` };
    case "ECONNREFUSED":
    case "EHOSTUNREACH":
    case "ENETUNREACH":
    case "EHOSTDOWN":
    case "ENOTFOUND":
    case "EAI_AGAIN":
    case "EADDRNOTAVAIL":
      return { outcome: "connect-failure", status: 502, reason: "connect-failure", message: `cannot connect to the backend (${code})` };
    case "UND_ERR_CONNECT_TIMEOUT":
    case "ETIMEDOUT":
      return { outcome: "connect-failure", status: 504, reason: "connect-timeout", message: "connecting to the backend timed out" };
    case "UND_ERR_HEADERS_TIMEOUT":
      return { outcome: "timeout", status: 504, reason: "response-timeout", message: "the backend did not send response headers in time" };
    case "UND_ERR_BODY_TIMEOUT":
      return { outcome: "timeout", status: 504, reason: "idle-timeout", message: "the backend stalled while sending the body" };
    case "ECONNRESET":
    case "EPIPE":
    case "UND_ERR_SOCKET":
    case "UND_ERR_CLOSED":
    case "UND_ERR_DESTROYED":
      return { outcome: "reset", status: 502, reason: "reset", message: `the backend closed the connection (${detail})` };
    default: {
      const tls = upstreamTlsFailure(code, detail);
      // The request never reached the backend: another may take it, and this one is marked.
      if (tls !== undefined) return { outcome: "connect-failure", status: 502, ...tls };
      if (code.startsWith("HPE_") || code === "UND_ERR_RES_CONTENT_LENGTH_MISMATCH" || code === "UND_ERR_INFO") {
        return { outcome: "reset", status: 502, reason: "invalid-response", message: `the backend sent an invalid response (${detail})` };
      }
      return { outcome: "reset", status: 502, reason: "upstream-error", message: `the upstream request failed (${code || detail})` };
    }
  }
}

/** A response whose head Node refuses to write (a control character from the backend or the store). */
export function unforwardableHeader(err: unknown): Failure {
  return { outcome: "reset", status: 502, reason: "invalid-response", message: `the response has a header that cannot be forwarded (${(err as Error).message})` };
}

/** Whether an error was a failure to connect, i.e. the request never reached a backend. */
export function neverReachedBackend(failure: Failure): boolean {
  return failure.outcome === "connect-failure";
}

/**
 * Answers the client for a failed upstream request, with a short body, and
 * logs one line. When the response has already started, the only honest
 * signal left is to cut the connection.
 */
export function respondWithFailure(
  res: ProxyResponse,
  failure: Failure,
  context: { requestId: string; via: string; route: string | undefined; fleet: string | undefined; backend: string | undefined; logger: Logger },
): void {
  context.logger.warn(
    { event: "upstream-error", route: context.route, fleet: context.fleet, backend: context.backend, status: failure.status, reason: failure.reason, requestId: context.requestId },
    failure.message,
  );
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  sendShort(res, failure.status, `${failure.status} ${TEXT[failure.status]}: ${failure.message}\n`, context.requestId, context.via);
}

/** A short plain-text answer from the proxy itself (errors, 404 for unrouted requests). */
export function sendShort(res: ProxyResponse, status: number, body: string, requestId: string, via: string): void {
  res.writeHead(status, [
    "content-type", "text/plain; charset=utf-8",
    "content-length", String(Buffer.byteLength(body)),
    "cache-control", "no-store",
    "via", via,
    "x-request-id", requestId,
  ]);
  res.end(body);
}
