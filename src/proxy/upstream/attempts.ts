/**
 * The attempt loop of one upstream request, as a dispatch handler (undici's
 * handler contract, which both upstream clients implement): pick a backend,
 * dispatch, and on failure decide whether to try another one.
 * Subclasses decide where the response goes: straight to the client's
 * ServerResponse (DirectExchange) or into a stream for the cache (FetchExchange).
 *
 * The retry rules are upstream/failover.ts's, shared with upgrades and TCP.
 * A retryable 5xx response is read to its end (keeping the connection) and
 * dropped only when another backend is actually available to try.
 */
import type { Readable } from "node:stream";
import type { Dispatcher } from "undici";
import type { Backend } from "./contracts.js";
import { Failover, type FailoverTarget, type ResendRules } from "./failover.js";
import { invalidUpstreamResponse } from "./invalid-response.js";
import { classifyUpstreamError, NoBackendError, neverReachedBackend, type Failure } from "./errors.js";
import type { BackendBinding } from "./backend-binding.js";

type Controller = Dispatcher.DispatchController;
type Headers = Record<string, string | string[] | undefined>;

/** Marks an upstream request aborted because its client went away. */
export class ClientGoneError extends Error {
  override name = "ClientGoneError";
  readonly code = "EDGEFORM_CLIENT_GONE";
  constructor() {
    super("the client closed the connection");
  }
}

/** What the attempt loop needs from a route: the failover rules, the backends' pools, the timeouts. */
export interface UpstreamRoute extends FailoverTarget {
  /** undici headersTimeout: time to the response head (per try when perTryTimeout is set). */
  readonly headersTimeout: number;
  /** undici bodyTimeout: longest silence while the body streams. */
  readonly bodyTimeout: number;
  binding(backend: Backend): BackendBinding;
}

/** One upstream request: where it goes and what is sent (a routed Exchange is one). */
export interface UpstreamRequest<R extends UpstreamRoute = UpstreamRoute> {
  readonly route: R;
  /** consistent-hash key of the route's balancer, undefined when it has none. */
  readonly hashKey: string | undefined;
  readonly method: string;
  /** Origin-form target. */
  readonly path: string;
  /** Flat [name, value, …] as sent upstream. */
  readonly headers: string[];
  /** Streams through once; null when the request has none. */
  readonly body: Readable | null;
}

export abstract class UpstreamAttempts<R extends UpstreamRoute = UpstreamRoute> implements Dispatcher.DispatchHandler, ResendRules {
  protected backend: Backend | undefined;
  protected binding: BackendBinding | undefined;
  protected controller: Controller | null = null;
  /** Status of the response being received (0 before headers). */
  protected status = 0;
  protected headDelivered = false;
  private failover: Failover | undefined;
  private readonly hashKey: string | undefined;
  /** The backend a granted retry goes to, once the dropped response is over. */
  private next: Backend | undefined;
  private discarding = false;

  readonly route: R;
  readonly method: string;
  readonly hasBody: boolean;
  protected readonly path: string;
  protected readonly headers: string[];
  protected readonly body: Readable | null;

  constructor(request: UpstreamRequest<R>) {
    this.route = request.route;
    this.method = request.method;
    this.path = request.path;
    this.headers = request.headers;
    this.body = request.body;
    this.hashKey = request.hashKey;
    this.hasBody = this.body !== null;
  }

  /** Attempts dispatched so far. */
  get attempts(): number {
    return this.failover?.attempts ?? 0;
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
  abstract bodyTouched(): boolean;

  // ── the loop ────────────────────────────────────────────────────────────

  start(): void {
    const failover = (this.failover = new Failover(this.route, this, this.hashKey));
    const first = failover.first();
    if (first === undefined) {
      this.deliverFailure(classifyUpstreamError(new NoBackendError(this.route.fleet.name)));
      return;
    }
    this.send(first);
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

  private send(backend: Backend): void {
    this.backend = backend;
    this.binding = this.route.binding(backend);
    this.status = 0;
    this.controller = null;
    this.failover!.begin(backend);
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

  private retry(): void {
    const next = this.next!;
    this.next = undefined;
    this.send(next);
  }

  // ── undici DispatchHandler ──────────────────────────────────────────────

  onRequestStart(controller: Controller): void {
    this.controller = controller;
    if (this.consumerGone()) controller.abort(new ClientGoneError());
  }

  onResponseStart(controller: Controller, statusCode: number, headers: Headers): void {
    const invalid = invalidUpstreamResponse(statusCode, headers);
    if (invalid !== undefined) {
      // Ends in onResponseError as an invalid response (502), like a response llhttp could not parse.
      controller.abort(invalid);
      return;
    }
    this.status = statusCode;
    if (statusCode >= 500 && !this.consumerGone() && (this.next = this.failover!.retryAfterStatus(statusCode)) !== undefined) {
      this.discarding = true;
      return;
    }
    this.headDelivered = true;
    this.deliverHead(statusCode, headers);
  }

  onResponseData(controller: Controller, chunk: Buffer): void {
    // No head delivered: a response refused in onResponseStart whose abort has not landed yet.
    if (this.discarding || !this.headDelivered) return;
    if (!this.deliverData(chunk)) controller.pause();
  }

  onResponseEnd(): void {
    const failover = this.failover!;
    failover.end(this.status >= 500 ? "http-5xx" : "success");
    if (this.discarding) {
      this.discarding = false;
      this.retry();
      return;
    }
    failover.settle();
    this.deliverEnd();
  }

  onResponseError(_controller: Controller | null, err: Error): void {
    const failover = this.failover!;
    if (this.consumerGone() || err instanceof ClientGoneError) {
      // The client left: says nothing about the backend's health.
      failover.end("success");
      failover.settle();
      this.deliverAbort();
      return;
    }
    const failure = classifyUpstreamError(err);
    failover.end(failure.outcome);
    if (this.headDelivered) {
      failover.settle();
      this.deliverBroken(failure);
      return;
    }
    if (this.discarding) {
      // A retry was already decided and granted; the dropped response's body just failed early.
      this.discarding = false;
      this.retry();
      return;
    }
    // 400: undici refused to send the request; no other backend would take it either.
    if (failure.status !== 400 && !this.consumerGone() && (this.next = failover.retryAfterFailure(failure.outcome, !neverReachedBackend(failure))) !== undefined) {
      this.retry();
      return;
    }
    failover.settle();
    this.deliverFailure(failure);
  }
}
