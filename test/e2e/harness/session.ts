/**
 * One e2e run: the machine-wide lock, a Docker engine (started if need be),
 * a DockerApplier labelled with a fresh run id, and the guarantees around
 * them: `close()` removes everything in reverse order, sweeps by label, and
 * reports what (if anything) is left; if the process exits or is signalled
 * before `close()`, an exit hook sweeps the run's label anyway.
 */
import type Docker from "dockerode";
import { ensureDocker, type DockerEngine } from "../../support/docker.js";
import { DockerApplier } from "./engine.js";
import { acquireLock, type Lock } from "./lock.js";
import { RUN_LABEL, newRunId } from "./run-label.js";
import { leftovers, sweepRunSync, sweepRuns } from "./sweep.js";

export interface SessionOptions {
  /** The Pulumi program's working directory. */
  cwd: string;
  lockTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface CloseReport {
  /** Removals that failed during teardown. */
  failures: string[];
  /** Labelled resources the safety-net sweep still found after teardown (should be none). */
  sweptAfterTeardown: string[];
  /** What remains with this run's label after everything (must be empty). */
  remaining: string[];
}

export class E2eSession {
  readonly runId: string;
  readonly engine: DockerEngine;
  readonly applier: DockerApplier;
  /** Cleanups that run after the applier's teardown (e.g. removing the images its containers ran), newest first. */
  private readonly cleanups: Array<() => Promise<string[]>> = [];
  private closed?: Promise<CloseReport>;
  private readonly lock: Lock;
  private readonly onExit: () => void;
  private readonly onSignal: (signal: NodeJS.Signals) => void;

  private constructor(runId: string, engine: DockerEngine, lock: Lock, cwd: string, log: (line: string) => void) {
    this.runId = runId;
    this.engine = engine;
    this.lock = lock;
    this.applier = new DockerApplier({ docker: engine.docker, runId, cwd, log });
    this.onExit = () => {
      // Synchronous context: sweep from a child process, then let go of the lock.
      sweepRunSync(runId);
      lock.release();
    };
    this.onSignal = (signal) => {
      void this.close().finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
    };
    process.once("exit", this.onExit);
    process.once("SIGINT", this.onSignal);
    process.once("SIGTERM", this.onSignal);
  }

  static async open(options: SessionOptions): Promise<E2eSession> {
    const log = options.log ?? (() => {});
    const lock = await acquireLock(options.lockTimeoutMs ?? 8 * 60_000);
    try {
      const engine = await ensureDocker();
      // Holding the lock, any labelled resource belongs to a run that died: clear it before starting.
      const stale = await sweepRuns(engine.docker);
      if (stale.removed.length) log(`removed leftovers of earlier e2e runs: ${stale.removed.join("; ")}`);
      return new E2eSession(newRunId(), engine, lock, options.cwd, log);
    } catch (err) {
      lock.release();
      throw err;
    }
  }

  get docker(): Docker {
    return this.engine.docker;
  }

  get labels(): Record<string, string> {
    return { [RUN_LABEL]: this.runId };
  }

  /** Registers a cleanup to run at close, after the applier's teardown. */
  defer(cleanup: () => Promise<string[]>): void {
    this.cleanups.unshift(cleanup);
  }

  close(options: { keepDockerRunning?: boolean } = {}): Promise<CloseReport> {
    this.closed ??= (async () => {
      const failures = await this.applier.teardown();
      for (const cleanup of this.cleanups) failures.push(...(await cleanup().catch((err: Error) => [err.message])));
      const swept = await sweepRuns(this.docker, this.runId);
      const remaining = await leftovers(this.docker, this.runId);
      process.removeListener("exit", this.onExit);
      process.removeListener("SIGINT", this.onSignal);
      process.removeListener("SIGTERM", this.onSignal);
      await this.engine.release({ keepRunning: options.keepDockerRunning ?? process.env["EDGEFORM_E2E_KEEP_DOCKERD"] === "1" });
      this.lock.release();
      return { failures, sweptAfterTeardown: swept.removed, remaining };
    })();
    return this.closed;
  }
}
