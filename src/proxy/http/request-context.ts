/**
 * What every way of answering a request shares: the listener's name and
 * loggers, and one place that records a finished request (metrics series,
 * access log line, and the config generation's in-flight count).
 */
import type { Exchange } from "./exchange.js";
import { pathForLog } from "../runtime/log.js";
import type { RequestSeries } from "../runtime/metrics.js";

export type { GenerationLease, ListenerContext } from "./exchange.js";

/** Everything recorded about one finished request. */
export interface Completion {
  status: number;
  route: string | undefined;
  fleet: string | undefined;
  backend: string | undefined;
  attempts: number;
  cache?: string | undefined;
  error?: string | undefined;
  /** The exchange keeps its config generation past its answer (an Upgrade tunnel releases it when it closes). */
  keepsGeneration?: boolean;
}

/**
 * Records a finished request. Called exactly once per request, by whichever
 * path answered it.
 */
export function recordCompletion(exchange: Exchange<unknown>, series: RequestSeries, done: Completion): void {
  const { req, requestId, client } = exchange;
  const ms = performance.now() - exchange.startedAt;
  series.record(done.status, ms / 1000);
  if (done.keepsGeneration !== true) exchange.generation.leave();
  const log = exchange.listener.accessLogger;
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
