/**
 * What every way of answering a request shares: the listener's name and
 * loggers, and one place that records a finished request (metrics series,
 * access log line, and the config generation's in-flight count).
 */
import type { ProxyRequest } from "../http1/types.js";
import { pathForLog, type Logger } from "../runtime/log.js";
import type { RequestSeries } from "../runtime/metrics.js";

export interface ListenerContext {
  readonly name: string;
  readonly logger: Logger;
  /** Undefined when access logging is off. */
  readonly accessLogger: Logger | undefined;
}

/** A config generation's hold on in-flight requests (see RuntimeState). */
export interface GenerationLease {
  leave(): void;
}

/** Everything recorded about one finished request. */
export interface Completion {
  status: number;
  route: string | undefined;
  fleet: string | undefined;
  backend: string | undefined;
  attempts: number;
  cache?: string | undefined;
  error?: string | undefined;
}

/**
 * Records a finished request. Called exactly once per request, by whichever
 * path answered it.
 */
export function recordCompletion(
  listener: ListenerContext,
  lease: GenerationLease,
  series: RequestSeries,
  req: Pick<ProxyRequest, "method" | "url">,
  startedAt: number,
  requestId: string,
  client: string,
  done: Completion,
): void {
  const ms = performance.now() - startedAt;
  series.record(done.status, ms / 1000);
  lease.leave();
  const log = listener.accessLogger;
  if (log === undefined) return;
  log.info({
    method: req.method,
    path: pathForLog(req.url),
    status: done.status,
    durationMs: Math.round(ms * 100) / 100,
    route: done.route,
    fleet: done.fleet,
    backend: done.backend,
    attempts: done.attempts,
    requestId,
    client,
    cache: done.cache,
    error: done.error,
  });
}
