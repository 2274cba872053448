/** Helpers for upstream tests: hand-built backend sets and a fake clock. */
import type { BackendSet, BackendState } from "../../src/proxy/upstream/contracts.js";
import { buildSnapshot, createBackend } from "../../src/proxy/upstream/index.js";

export interface TestState extends BackendState {
  healthy: boolean;
  ejectedUntil: number;
  inflight: number;
  ewmaMs: number;
  ewmaUpdatedAt: number;
}

/** Mutable states for backends "a", "b", ... at 10.0.0.1:80, 10.0.0.2:80, ... with the given weights. */
export function states(weights: number[]): TestState[] {
  return weights.map((w, i) => ({
    backend: createBackend(`10.0.0.${i + 1}`, 80, w),
    healthy: true,
    ejectedUntil: 0,
    inflight: 0,
    ewmaMs: 0,
    ewmaUpdatedAt: 0,
  }));
}

let version = 0;
export function setOf(all: readonly BackendState[], panicThreshold = 0): BackendSet {
  return buildSnapshot(all, ++version, panicThreshold);
}

/** The host of the first candidate. */
export function first(it: Iterable<BackendState>): string | undefined {
  for (const s of it) return s.backend.host;
  return undefined;
}

export function hosts(it: Iterable<BackendState>): string[] {
  return [...it].map((s) => s.backend.host);
}

export class FakeClock {
  constructor(public t = 1_000_000) {}
  readonly now = (): number => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
}

/** Resolves when `cond()` holds, polling every few ms; rejects after `timeoutMs`. */
export async function waitFor(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
