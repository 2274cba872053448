/** One active health probe of one backend. Probes never reject: a failure is a result. */
import type { Backend } from "../contracts.js";

export interface ProbeResult {
  ok: boolean;
  /** Short human reason, for logs and health-change events ("HTTP 500", "connect ECONNREFUSED", "timeout after 100ms"). */
  reason: string;
}

export type Probe = (backend: Backend) => Promise<ProbeResult>;

export function errorReason(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === "string") return code;
  return err instanceof Error ? err.message : String(err);
}

/**
 * Runs one probe attempt. `start` opens the connection, wires its events to
 * `finish` and returns it; the first verdict wins, the timeout is a verdict,
 * and the connection is destroyed whatever happened. Node throws
 * synchronously on an invalid host or port: a probe reports that, never throws.
 */
export function settleProbe(timeoutMs: number, start: (finish: (result: ProbeResult) => void) => { destroy(): void }): Promise<ProbeResult> {
  return new Promise<ProbeResult>((resolve) => {
    let connection: { destroy(): void } | undefined;
    let settled = false;
    const finish = (result: ProbeResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      connection?.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => finish({ ok: false, reason: `timeout after ${timeoutMs}ms` }), timeoutMs);
    try {
      connection = start(finish);
    } catch (err) {
      finish({ ok: false, reason: errorReason(err) });
    }
    if (settled) connection?.destroy();
  });
}
