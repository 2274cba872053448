/**
 * The attempt loop of one upstream request, as a dispatch handler (undici's
 * handler contract, which both upstream clients implement): pick a backend,
 * dispatch, and on failure decide whether to try another one.
 * Subclasses decide where the response goes: straight to the client's
 * ServerResponse (DirectExchange) or into a stream for the cache (FetchExchange).
 *
 * Retry rules (RetryPolicy): only to a backend not tried yet, only on the
 * route's conditions, within the fleet's retry budget, and never resending a
 * request that reached a backend unless it is idempotent and has no body.
 * A retryable 5xx response is read to its end (keeping the connection) and
 * dropped only when another backend is actually available to try.
 */
import type { Readable } from "node:stream";
import type { Dispatcher } from "undici";
import type { Backend, BackendState, SelectionContext } from "../upstream/contracts.js";
import { classifyUpstreamError, NoBackendError, neverReachedBackend, type Failure } from "./errors.js";
import { isIdempotent } from "./retry-policy.js";
import type { BackendBinding, RouteRuntime } from "./route-runtime.js";

type Controller = Dispatcher.DispatchController;
type Headers = Record<string, string | string[] | undefined>;

/** Selection input of a request without a hash key (shared: selectors only read it). */
const NO_KEY: SelectionContext = Object.freeze({});

/** Marks an upstream request aborted because its client went away. */
export class ClientGoneError extends Error {
  override name = "ClientGoneError";
  readonly code = "EDGEFORM_CLIENT_GONE";
  constructor() {
    super("the client closed the connection");
  }
}

export abstract class UpstreamAttempts implements Dispatcher.DispatchHandler {
  protected backend: Backend | undefined;
  protected binding: BackendBinding | undefined;
  protected controller: Controller | null = null;
  /** Attempts dispatched so far. */
  attempts = 0;
  /** Status of the response being received (0 before headers). */
  protected status = 0;
  protected headDelivered = false;
  private attemptStart = 0;
  private readonly selection: SelectionContext;
  /** The selector's candidates for this request, best first; retries continue down the list. */
  private candidates: Iterator<BackendState> | undefined;
  private next: BackendState | undefined;
  private discarding = false;
  private settled = false;

  constructor(
    readonly route: RouteRuntime,
    protected readonly method: string,
    protected readonly path: string,
    protected readonly headers: string[],
    protected readonly body: Readable | null,
    hashKey: string | undefined,
  ) {
    this.selection = hashKey === undefined ? NO_KEY : { hashKey };
  }

  // ── what subclasses provide ─────────────────────────────────────────────

  /** A response was accepted: send its head on. */
  protected abstract deliverHead(status: number, headers: Headers): void;
  /** A body chunk; return false to pause the backend until resumeUpstream(). */
  protected abstract deliverData(chunk: Buffer): boolean;
  protected abstract deliverEnd(): void;
  /** No response could be obtained (nothing was sent to the client yet). */
  protected abstract deliverFailure(failure: Failure): void;
  /** The backend failed after the response head was sent on. */
  protected abstract deliverBroken(failure: Failure): void;
  /** The consumer went away; nothing more can be delivered. */
  protected abstract deliverAbort(): void;
  /** Whether whoever reads the response has gone away. */
  protected abstract consumerGone(): boolean;
  /** Whether the request body has started to stream (so it cannot be sent again). */
  protected abstract bodyTouched(): boolean;

  // ── the loop ────────────────────────────────────────────────────────────

  start(): void {
    this.route.budget.requestStarted();
    const set = this.route.cluster.snapshot();
    this.candidates = this.route.selector.candidates(set, this.selection)[Symbol.iterator]();
    const candidate = this.pick();
    if (candidate === undefined) {
      this.settle();
      this.deliverFailure(classifyUpstreamError(new NoBackendError(this.route.fleet)));
      return;
    }
    this.send(candidate.backend);
  }

  /** The request is over as far as the retry budget is concerned. */
  private settle(): void {
    if (this.settled) return;
    this.settled = true;
    this.route.budget.requestFinished();
  }

  /** Resumes a backend paused by deliverData returning false. */
  resumeUpstream(): void {
    this.controller?.resume();
  }

  /** Aborts the upstream request because the consumer went away. */
  abortUpstream(): void {
    const c = this.controller;
    if (c !== null && !c.aborted) c.abort(new ClientGoneError());
  }

  get backendId(): string | undefined {
    return this.backend?.id;
  }

  private pick(): BackendState | undefined {
    const r = this.candidates!.next();
    return r.done === true ? undefined : r.value;
  }

  private send(backend: Backend): void {
    this.attempts++;
    this.backend = backend;
    this.binding = this.route.binding(backend);
    this.status = 0;
    this.controller = null;
    this.route.cluster.acquire(backend);
    this.attemptStart = performance.now();
    this.binding.pool().dispatch(
      {
        path: this.path,
        method: this.method,
        headers: this.headers,
        body: this.body,
        headersTimeout: this.route.headersTimeout,
        bodyTimeout: this.route.bodyTimeout,
      },
      this,
    );
  }

  /**
   * Whether another attempt is allowed now; if so, the backend to use is
   * remembered in `next`. `reached`: the failed attempt may have reached its
   * backend (anything but a connect failure).
   */
  private mayRetry(reached: boolean): boolean {
    const route = this.route;
    if (this.attempts > route.retry.attempts || this.consumerGone()) return false;
    if (reached) {
      if (this.body !== null || !isIdempotent(this.method)) return false;
    } else if (this.body !== null && this.bodyTouched()) {
      return false;
    }
    const next = this.pick();
    if (next === undefined) return false;
    if (!route.budget.tryAcquireRetry()) {
      route.countBudgetExhausted();
      return false;
    }
    this.next = next;
    return true;
  }

  private retry(): void {
    const next = this.next!;
    this.next = undefined;
    this.route.countRetry();
    this.send(next.backend);
  }

  private latency(): number {
    return performance.now() - this.attemptStart;
  }

  // ── undici DispatchHandler ──────────────────────────────────────────────

  onRequestStart(controller: Controller): void {
    this.controller = controller;
    if (this.consumerGone()) controller.abort(new ClientGoneError());
  }

  onResponseStart(_controller: Controller, statusCode: number, headers: Headers): void {
    this.status = statusCode;
    if (statusCode >= 500 && this.route.retry.retriesStatus(statusCode) && this.mayRetry(true)) {
      this.discarding = true;
      return;
    }
    this.headDelivered = true;
    this.deliverHead(statusCode, headers);
  }

  onResponseData(controller: Controller, chunk: Buffer): void {
    if (this.discarding) return;
    if (!this.deliverData(chunk)) controller.pause();
  }

  onResponseEnd(): void {
    const status = this.status;
    this.route.cluster.release(this.backend!, status >= 500 ? "http-5xx" : "success", this.latency());
    if (this.discarding) {
      this.discarding = false;
      this.retry();
      return;
    }
    this.settle();
    this.deliverEnd();
  }

  onResponseError(_controller: Controller | null, err: Error): void {
    const backend = this.backend!;
    if (this.consumerGone() || err instanceof ClientGoneError) {
      // The client left: says nothing about the backend's health.
      this.route.cluster.release(backend, "success", this.latency());
      this.settle();
      this.deliverAbort();
      return;
    }
    const failure = classifyUpstreamError(err);
    this.route.cluster.release(backend, failure.outcome, this.latency());
    if (this.headDelivered) {
      this.settle();
      this.deliverBroken(failure);
      return;
    }
    if (this.discarding) {
      // A retry was already decided and granted; the dropped response's body just failed early.
      this.discarding = false;
      this.retry();
      return;
    }
    if (failure.status !== 400 && this.route.retry.retriesOutcome(failure.outcome) && this.mayRetry(!neverReachedBackend(failure))) {
      this.retry();
      return;
    }
    this.settle();
    this.deliverFailure(failure);
  }
}
