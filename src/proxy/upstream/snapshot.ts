/**
 * Builds the immutable BackendSet the request path reads. Panic mode (Envoy's
 * panic threshold): when the usable share of backends drops below the
 * threshold, health information is probably wrong or the fleet is
 * overwhelmed, and concentrating all traffic on the few survivors would sink
 * them too — so balance across every backend instead.
 */
import type { BackendSet, BackendState } from "./contracts.js";

export function buildSnapshot(
  all: readonly BackendState[],
  version: number,
  /** Percent (0-100); 0 disables panic mode. */
  panicThreshold: number,
): BackendSet {
  const usable = all.filter((s) => s.healthy && s.ejectedUntil === 0);
  const panic = all.length > 0 && (usable.length * 100) / all.length < panicThreshold;
  return Object.freeze({ version, all, usable: panic ? all : Object.freeze(usable), panic });
}

/** Whether `usableAfter` of `total` backends keeps the fleet at or above the panic threshold. */
export function aboveThreshold(usableAfter: number, total: number, panicThreshold: number): boolean {
  return usableAfter >= 1 && (usableAfter * 100) / total >= panicThreshold;
}
