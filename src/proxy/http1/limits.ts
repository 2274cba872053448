/**
 * Client-side limits and request hygiene, enforced by the client server
 * (http1/) and llhttp in strict mode (no leniency flags). llhttp refuses,
 * before the request handler ever runs (so nothing is forwarded):
 *
 *   - Content-Length together with Transfer-Encoding (HPE_UNEXPECTED_CONTENT_LENGTH)
 *   - duplicate or non-numeric Content-Length (HPE_UNEXPECTED_CONTENT_LENGTH / HPE_INVALID_CONTENT_LENGTH)
 *   - obs-fold and other malformed header lines (HPE_INVALID_HEADER_TOKEN / HPE_LF_EXPECTED …)
 *   - a Transfer-Encoding whose last coding is not chunked (HPE_INVALID_TRANSFER_ENCODING)
 *   - bad chunk sizes or chunk framing (HPE_INVALID_CHUNK_SIZE …): the body stops there,
 *     the upstream request is aborted and the connection closed
 *   - headers larger than maxHeaderSize (HPE_HEADER_OVERFLOW → 431)
 *
 * and the server's deadlines cut clients that send headers (headersTimeout) or
 * the whole request (requestTimeout) too slowly, so slowloris cannot pin it.
 * HTTP/1.1 requests without Host get 400, unknown expectations 417.
 */
import type { LimitsConfig } from "../../plan/proxy-config.js";
import type { ClientLimits } from "./types.js";

export function clientLimits(limits: LimitsConfig): ClientLimits {
  const requestTimeoutMs = Math.max(0, Math.round(limits.requestTimeoutMs));
  return {
    headersTimeoutMs: Math.max(1, Math.round(requestTimeoutMs > 0 ? Math.min(limits.headerTimeoutMs, requestTimeoutMs) : limits.headerTimeoutMs)),
    requestTimeoutMs,
    keepAliveTimeoutMs: Math.max(1, Math.round(limits.keepAliveTimeoutMs)),
    maxHeaderSize: limits.maxHeaderBytes,
  };
}

/**
 * How often client deadlines are checked: a quarter of the shortest one, at
 * least every second, at most every 50 ms, so a slow client does not outlive
 * a short timeout by much.
 */
export function deadlineCheckMs(limits: ClientLimits): number {
  const shortest = Math.min(limits.headersTimeoutMs, limits.keepAliveTimeoutMs, limits.requestTimeoutMs > 0 ? limits.requestTimeoutMs : Infinity);
  return Math.max(50, Math.min(1000, Math.floor(shortest / 4)));
}

export interface ClientErrorAnswer {
  status: number;
  message: string;
}

/** The answer to a request llhttp or the server timers refused; undefined when the client is already gone. */
export function clientErrorResponse(err: NodeJS.ErrnoException): ClientErrorAnswer | undefined {
  const code = err.code ?? "";
  if (code === "ECONNRESET" || code === "EPIPE") return undefined;
  if (code === "HPE_HEADER_OVERFLOW") return { status: 431, message: "request headers too large" };
  if (code === "ERR_HTTP_REQUEST_TIMEOUT") return { status: 408, message: "the request was not received in time" };
  if (code === "HPE_UNEXPECTED_CONTENT_LENGTH") return { status: 400, message: "conflicting Content-Length / Transfer-Encoding" };
  if (code === "HPE_INVALID_TRANSFER_ENCODING") return { status: 400, message: "invalid Transfer-Encoding" };
  if (code === "HPE_INVALID_CHUNK_SIZE") return { status: 400, message: "invalid chunk size" };
  if (code.startsWith("HPE_")) return { status: 400, message: `malformed request (${code})` };
  return { status: 400, message: "bad request" };
}
