/**
 * One request through an H1Pool. It is also the DispatchController its
 * handler receives: pause/resume/abort act on the connection only while the
 * request is the one that connection is serving, so a handler holding on to
 * a finished request's controller can never disturb the next request on a
 * reused connection.
 */
import type { Readable } from "node:stream";
import type { Dispatcher } from "undici";

/** What a request needs from the connection serving it (H1Connection). */
export interface ServingConnection {
  readonly current: H1Request | undefined;
  pauseReading(): void;
  resumeReading(): void;
  fail(reason: Error): void;
}

/** What the forwarder passes to a pool's dispatch (the subset of undici's DispatchOptions it uses). */
export interface UpstreamRequestOptions {
  path: string;
  method: string;
  /** Flat [name, value, …]. */
  headers: string[];
  body: Readable | null;
  headersTimeout: number;
  bodyTimeout: number;
  /** The protocol an Upgrade request asks for (undici pools only: see UpstreamPools.upgrades). */
  upgrade?: string;
}

export class H1Request implements Dispatcher.DispatchController {
  conn: ServingConnection | undefined;
  /** Already re-sent once after a stale keep-alive connection failed. */
  resent = false;
  /** The handler got its final callback (end or error). */
  done = false;
  private isAborted = false;
  private isPaused = false;
  private abortReason: Error | null = null;

  constructor(
    readonly options: UpstreamRequestOptions,
    readonly handler: Dispatcher.DispatchHandler,
  ) {}

  get aborted(): boolean {
    return this.isAborted;
  }

  get paused(): boolean {
    return this.isPaused;
  }

  get reason(): Error | null {
    return this.abortReason;
  }

  pause(): void {
    this.isPaused = true;
    if (this.conn?.current === this) this.conn.pauseReading();
  }

  resume(): void {
    if (!this.isPaused) return;
    this.isPaused = false;
    if (this.conn?.current === this) this.conn.resumeReading();
  }

  abort(reason: Error): void {
    if (this.isAborted || this.done) return;
    this.isAborted = true;
    this.abortReason = reason;
    if (this.conn?.current === this) this.conn.fail(reason);
    else this.settle(reason);
  }

  /** Delivers the final error (once); a queued request is skipped by its pool from then on. */
  settle(reason: Error): void {
    if (this.done) return;
    this.done = true;
    this.isAborted = true;
    this.abortReason ??= reason;
    this.handler.onResponseError?.(this, reason);
  }
}
