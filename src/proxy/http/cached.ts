/**
 * A request on a cached route: the cache layer answers from cache or calls
 * back into the forwarder (FetchExchange: balancer, retries, timeouts,
 * hop-by-hop stripped, forwarded headers added), and whatever it returns is
 * streamed to the client.
 */
import type { CacheRequest, HttpCacheLayer, UpstreamFetch, UpstreamResponse } from "../upstream/contracts.js";
import { ClientGoneError } from "../upstream/attempts.js";
import { CLIENT_CLOSED_STATUS } from "./direct.js";
import { classifyUpstreamError, unforwardableHeader } from "../upstream/errors.js";
import { respondWithFailure } from "./short-answer.js";
import { FetchExchange, UpstreamFailureError } from "./cache-fetch.js";
import { forwardResponseHeaders, withHeaders } from "./headers.js";
import { headerObject } from "../http1/request.js";
import { sendBody } from "../http1/send-body.js";
import type { RoutedExchange } from "./exchange.js";
import { recordCompletion } from "./request-context.js";

export async function serveThroughCache(layer: HttpCacheLayer, exchange: RoutedExchange): Promise<void> {
  const { route, forwarded, path, identity, req, res, hashKey, requestId } = exchange;
  const method = req.method;
  let bodySent = false;
  let attempts = 0;
  const fetch: UpstreamFetch = (extraHeaders, options) =>
    new Promise<UpstreamResponse>((resolve, reject) => {
      const background = options?.background === true;
      // The client's body streams through once: only the first foreground fetch carries it.
      const body = forwarded.hasBody && !background && !bodySent ? req.body : null;
      if (body !== null) bodySent = true;
      const headers = extraHeaders === undefined ? forwarded.headers : withHeaders(forwarded.headers, extraHeaders);
      const upstream: FetchExchange = new FetchExchange({
        route,
        hashKey,
        method,
        path,
        headers,
        body,
        resolve: (r) => {
          if (!background) attempts += upstream.attempts;
          resolve(r);
        },
        reject: (e) => {
          if (!background) attempts += upstream.attempts;
          reject(e);
        },
        clientGone: background ? undefined : () => res.destroyed,
      });
      upstream.start();
    });
  // The cache sees the request the origin gets: its identity, and the headers as forwarded, so a
  // Vary-named header the client nominated in Connection (stripped) cannot select a variant.
  const request: CacheRequest = { method, url: path, host: identity.authority, scheme: identity.scheme, headers: headerObject(forwarded.headers) };

  const finish = (status: number, backend: string | undefined, cache: string | undefined, error: string | undefined) => {
    const series = backend === undefined ? route.localSeries : route.seriesFor(backend);
    recordCompletion(exchange, series, { status, route: route.name, fleet: route.fleet.name, backend, attempts, cache, error });
  };

  let response: UpstreamResponse;
  try {
    response = await layer.handle(request, route.cache!, fetch);
  } catch (err) {
    if (err instanceof ClientGoneError || res.destroyed) {
      finish(CLIENT_CLOSED_STATUS, undefined, undefined, "client closed the connection");
      return;
    }
    const failure = err instanceof UpstreamFailureError ? err.failure : classifyUpstreamError(err);
    route.countFailure(failure.reason);
    respondWithFailure(exchange, failure, undefined);
    finish(failure.status, undefined, undefined, failure.reason);
    return;
  }
  const cacheStatus = headerText(response.headers["cache-status"]);
  try {
    res.writeHead(response.status, forwardResponseHeaders(response.headers, route.identity, requestId));
  } catch (err) {
    // A header that cannot be written (a control character from the backend or the store): nothing was sent yet.
    response.body.destroy();
    const failure = unforwardableHeader(err);
    route.countFailure(failure.reason);
    respondWithFailure(exchange, failure, response.backend);
    finish(failure.status, response.backend, cacheStatus, failure.reason);
    return;
  }
  if (response.buffered !== undefined) {
    // A hit already in memory: one write, no stream machinery.
    res.end(response.buffered);
    finish(response.status, response.backend, cacheStatus, undefined);
    return;
  }
  sendBody(response.body, res, (err) => {
    if (err) {
      const gone = res.destroyed && !(err instanceof UpstreamFailureError);
      finish(gone ? CLIENT_CLOSED_STATUS : response.status, response.backend, cacheStatus, gone ? "client closed the connection" : err.message);
      return;
    }
    finish(response.status, response.backend, cacheStatus, undefined);
  });
}

function headerText(v: string | string[] | undefined): string | undefined {
  return v === undefined ? undefined : typeof v === "string" ? v : v.join(", ");
}
