/**
 * The one boundary where upstream failures become gateway answers (after
 * fastify-reply-from's lib/errors.js): every transport error is classified
 * once into the outcome the fleet learns from, the status the client gets,
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
 *
 * http/short-answer.ts writes the answer to the client.
 */
import { upstreamTlsFailure } from "../tls/upstream-tls.js";
import type { Outcome } from "./contracts.js";

/** 400 only for a request undici refuses to send (it is the client's, not the backend's, fault). */
export type GatewayStatus = 400 | 502 | 503 | 504;

export interface Failure {
  /** What the fleet's passive health records. */
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
