/**
 * What the proxy refuses to relay from a backend (answered 502 instead),
 * checked once for either upstream client (the built-in one and undici):
 *   - a status code outside RFC 9110's 1xx–5xx classes, which clients and
 *     caches give no meaning;
 *   - a transfer coding other than chunked: the framing is removed on the way
 *     (the proxy re-frames the body), so a `gzip, chunked` body would reach
 *     the client still gzipped but announced as plain.
 */
export type ResponseHeaders = Record<string, string | string[] | undefined>;

/** An error (coded like llhttp's, so it classifies as an invalid response) or undefined when the head is fine. */
export function invalidUpstreamResponse(status: number, headers: ResponseHeaders): Error | undefined {
  if (status > 599) return coded("HPE_INVALID_STATUS", `status code ${status} is outside 100-599`);
  const te = headers["transfer-encoding"];
  if (te === undefined) return undefined;
  const coding = typeof te === "string" ? te : te.join(", ");
  if (coding.trim().toLowerCase() === "chunked") return undefined;
  return coded("HPE_INVALID_TRANSFER_ENCODING", `Transfer-Encoding "${coding.slice(0, 64)}" has a coding other than chunked`);
}

function coded(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}
