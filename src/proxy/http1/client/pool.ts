/**
 * A keep-alive connection pool to one backend (the proxy's hot-path upstream
 * client). Same handler contract as undici's dispatch (onRequestStart,
 * onResponseStart, onResponseData, onResponseEnd, onResponseError with a
 * pause/resume/abort controller), so the forwarder works with either; the
 * difference is cost: one request head write, Node's C++ llhttp for the
 * response, no per-request timers. See bench/proxy for the measurements that
 * justify having it.
 *
 * Idle connections are reused most-recently-used first (warm sockets, and
 * the cold ones age out). At most `maxConnections` are open; further
 * requests wait in FIFO order.
 */
import type { ConnectionOptions } from "node:tls";
import type { Dispatcher } from "undici";
import { H1Connection, type ConnectionOwner } from "./connection.js";
import { H1Request, type UpstreamRequestOptions } from "./request.js";

export interface H1PoolOptions {
  maxConnections: number;
  connectMs: number;
  keepAliveMs: number;
  maxHeaderSize: number;
  /** tls.connect options when the backend is reached over TLS. */
  tls?: ConnectionOptions | undefined;
}

const MAX_TICK_MS = 250;
const MIN_TICK_MS = 10;

export class H1Pool implements ConnectionOwner {
  readonly connectMs: number;
  readonly keepAliveMs: number;
  readonly maxHeaderSize: number;
  readonly tls: ConnectionOptions | undefined;
  private readonly maxConnections: number;
  private readonly idle: H1Connection[] = [];
  private readonly conns = new Set<H1Connection>();
  private queue: H1Request[] = [];
  private ticker: NodeJS.Timeout | undefined;
  private tickMs: number;
  private isClosed = false;
  private isDestroyed = false;
  private emptied: (() => void) | undefined;

  constructor(
    readonly host: string,
    readonly port: number,
    options: H1PoolOptions,
  ) {
    this.connectMs = options.connectMs;
    this.keepAliveMs = options.keepAliveMs;
    this.maxHeaderSize = options.maxHeaderSize;
    this.tls = options.tls;
    this.maxConnections = options.maxConnections;
    this.tickMs = tickFor(Math.min(options.connectMs, options.keepAliveMs));
  }

  get closed(): boolean {
    return this.isClosed;
  }

  get destroyed(): boolean {
    return this.isDestroyed;
  }

  get stats(): { running: number; pending: number; connected: number } {
    return { running: this.conns.size - this.idle.length, pending: this.queue.length, connected: this.conns.size };
  }

  dispatch(options: UpstreamRequestOptions, handler: Dispatcher.DispatchHandler): boolean {
    const req = new H1Request(options, handler);
    if (this.isClosed) {
      req.settle(Object.assign(new Error("the upstream pool is closed"), { code: "UND_ERR_CLOSED" }));
      return false;
    }
    const tick = tickFor(Math.min(options.headersTimeout, options.bodyTimeout));
    if (tick < this.tickMs) this.retick(tick);
    this.run(req);
    return true;
  }

  private run(req: H1Request): void {
    let c = this.idle.pop();
    while (c !== undefined && c.closed) c = this.idle.pop();
    if (c === undefined) {
      if (this.conns.size >= this.maxConnections) {
        this.queue.push(req);
        return;
      }
      c = this.open();
    }
    c.send(req);
  }

  private open(): H1Connection {
    const c = new H1Connection(this);
    this.conns.add(c);
    if (this.ticker === undefined) this.retick(this.tickMs);
    return c;
  }

  private next(): H1Request | undefined {
    while (this.queue.length > 0) {
      const r = this.queue.shift()!;
      if (!r.done) return r;
    }
    return undefined;
  }

  released(conn: H1Connection, reusable: boolean): void {
    if (!reusable || this.isClosed || conn.closed) {
      conn.close();
      return;
    }
    const next = this.next();
    if (next !== undefined) {
      conn.send(next);
      return;
    }
    if (!conn.parkIdle()) {
      conn.close();
      return;
    }
    this.idle.push(conn);
  }

  dropped(conn: H1Connection): void {
    this.conns.delete(conn);
    const i = this.idle.indexOf(conn);
    if (i >= 0) this.idle.splice(i, 1);
    if (!this.isClosed) {
      // A queued request takes the freed slot.
      const next = this.next();
      if (next !== undefined) this.open().send(next);
    }
    if (this.conns.size === 0) {
      this.stopTicker();
      this.emptied?.();
    }
  }

  resend(req: H1Request): void {
    if (this.isClosed) {
      req.settle(Object.assign(new Error("the upstream pool is closed"), { code: "UND_ERR_CLOSED" }));
      return;
    }
    this.open().send(req);
  }

  /** Closes idle connections now and busy ones when their request ends; queued requests fail. */
  close(): Promise<void> {
    this.isClosed = true;
    for (const r of this.queue.splice(0)) r.settle(Object.assign(new Error("the upstream pool is closed"), { code: "UND_ERR_CLOSED" }));
    for (const c of this.idle.splice(0)) c.close();
    if (this.conns.size === 0) {
      this.stopTicker();
      return Promise.resolve();
    }
    return new Promise((resolve) => (this.emptied = resolve));
  }

  /** Drops every connection now; their requests fail. */
  destroy(): Promise<void> {
    this.isDestroyed = true;
    const closing = this.close();
    for (const c of [...this.conns]) c.fail(Object.assign(new Error("the upstream pool was destroyed"), { code: "UND_ERR_DESTROYED" }));
    return closing;
  }

  private tick = (): void => {
    const now = performance.now();
    for (const c of this.conns) if (c.deadline !== 0 && now >= c.deadline) c.timeout();
  };

  private retick(ms: number): void {
    this.tickMs = ms;
    if (this.ticker !== undefined) clearInterval(this.ticker);
    this.ticker = setInterval(this.tick, this.tickMs);
    this.ticker.unref();
  }

  private stopTicker(): void {
    if (this.ticker !== undefined) clearInterval(this.ticker);
    this.ticker = undefined;
  }
}

/** Deadlines are checked often enough to fire within a quarter of the shortest timeout. */
function tickFor(shortestMs: number): number {
  return Math.max(MIN_TICK_MS, Math.min(MAX_TICK_MS, Math.floor(shortestMs / 4)));
}
