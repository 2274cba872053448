/**
 * Structured JSON logs (pino): one line per event, one access line per
 * request. Access lines carry what operators need to follow a request
 * (route, backend, status, timing, request id) and nothing that may hold a
 * secret: no query strings, no headers, so no Authorization or Cookie.
 *
 * Lines go to stdout through an asynchronous, batching destination so a busy
 * proxy does not pay a write per request; a short timer flushes quiet
 * periods and important lines (ready, errors) are flushed at once.
 */
import { pino, type DestinationStream, type Logger } from "pino";

export type { Logger } from "pino";

export interface LoggerOptions {
  /** pino level; default "info" (EDGEFORM_LOG_LEVEL overrides). */
  level?: string;
  /** Where lines go; default an async stdout destination. */
  destination?: DestinationStream;
  /** Fields on every line. */
  base?: Record<string, unknown>;
}

const FLUSH_EVERY_MS = 500;

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? process.env["EDGEFORM_LOG_LEVEL"] ?? "info";
  let destination = options.destination;
  if (!destination) {
    const boom = pino.destination({ dest: 1, sync: false, minLength: 4096 });
    const timer = setInterval(() => boom.flush(), FLUSH_EVERY_MS);
    timer.unref();
    // A final synchronous flush so an exiting process loses no line.
    process.once("exit", () => {
      try {
        boom.flushSync();
      } catch {
        // stdout already closed: nothing left to save.
      }
    });
    destination = boom;
  }
  return pino(
    {
      level,
      base: { pid: process.pid, ...options.base },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}

/** Writes buffered lines now (after the ready line, before exit). */
export function flushLogger(logger: Logger): void {
  try {
    logger.flush();
  } catch {
    // A destination without a buffer has nothing to flush.
  }
}

/** The path part of a request target, without the query string. */
export function pathForLog(url: string): string {
  const q = url.indexOf("?");
  const path = q < 0 ? url : url.slice(0, q);
  return path.length > 512 ? `${path.slice(0, 512)}…` : path;
}
