/**
 * Runs one probe loop per backend: probe, wait out the rest of the interval,
 * probe again. Loops never overlap with themselves (a slow backend cannot pile
 * up probes), and a backend that leaves the set has its loop stopped, with
 * the result of a probe still in flight ignored.
 */
import type { Backend } from "../contracts.js";
import type { Probe, ProbeResult } from "./probe.js";

interface Loop {
  backend: Backend;
  timer: NodeJS.Timeout | undefined;
  stopped: boolean;
}

export class ActiveHealthChecker {
  private readonly loops = new Map<string, Loop>();
  private stopped = false;

  constructor(
    private readonly probe: Probe,
    private readonly intervalMs: number,
    private readonly onResult: (backend: Backend, result: ProbeResult) => void,
  ) {}

  /** Start loops for new backends (first probe right away), stop loops of removed ones. */
  sync(backends: readonly Backend[]): void {
    if (this.stopped) return;
    const keep = new Set<string>();
    for (const backend of backends) {
      keep.add(backend.id);
      if (this.loops.has(backend.id)) continue;
      const loop: Loop = { backend, timer: undefined, stopped: false };
      this.loops.set(backend.id, loop);
      void this.run(loop);
    }
    for (const [id, loop] of this.loops) {
      if (keep.has(id)) continue;
      this.halt(loop);
      this.loops.delete(id);
    }
  }

  stop(): void {
    this.stopped = true;
    for (const loop of this.loops.values()) this.halt(loop);
    this.loops.clear();
  }

  private halt(loop: Loop): void {
    loop.stopped = true;
    if (loop.timer) clearTimeout(loop.timer);
    loop.timer = undefined;
  }

  private async run(loop: Loop): Promise<void> {
    if (loop.stopped) return;
    const started = Date.now();
    let result: ProbeResult;
    try {
      result = await this.probe(loop.backend);
    } catch (err) {
      // Probes resolve failures; this keeps a buggy custom probe from ending the loop.
      result = { ok: false, reason: err instanceof Error ? err.message : String(err) };
    }
    if (loop.stopped) return;
    this.onResult(loop.backend, result);
    if (loop.stopped) return; // onResult may have stopped the fleet
    const wait = Math.max(0, this.intervalMs - (Date.now() - started));
    loop.timer = setTimeout(() => void this.run(loop), wait);
    // Health checks alone must not keep a process alive that is shutting down.
    loop.timer.unref();
  }
}
