/** One active health probe of one backend. Probes never reject: a failure is a result. */
import type { Backend } from "../../contracts.js";

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
