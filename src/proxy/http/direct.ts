/**
 * The fast path: a request forwarded with the backend's response written
 * straight to the client's response as it arrives, body chunks passed
 * through with backpressure both ways and never buffered whole.
 *
 * One object per request serves as context, attempt loop and undici
 * handler; the 'close' and 'drain' listeners are shared functions that find
 * it through a symbol on the response, so a request allocates no closures.
 */
import type { ProxyRequest, ProxyResponse } from "./messages.js";
import type { RoutedExchange } from "./exchange.js";
import { forwardResponseHeaders } from "./headers.js";
import { recordCompletion } from "./request-context.js";
import { UpstreamAttempts } from "../upstream/attempts.js";
import type { RouteRuntime } from "./route-runtime.js";
import { unforwardableHeader, type Failure } from "../upstream/errors.js";
import { respondWithFailure } from "./short-answer.js";

const kExchange = Symbol("edgeform.exchange");
type TaggedResponse = ProxyResponse & { [kExchange]?: DirectExchange };

/** nginx's status for "client closed the connection before the response". */
export const CLIENT_CLOSED_STATUS = 499;

export class DirectExchange extends UpstreamAttempts<RouteRuntime> {
  private finished = false;
  private readonly req: ProxyRequest;
  private readonly res: ProxyResponse;

  constructor(private readonly exchange: RoutedExchange) {
    super(exchange);
    this.req = exchange.req;
    this.res = exchange.res;
    (this.res as TaggedResponse)[kExchange] = this;
    this.res.on("close", onResponseClose);
  }

  protected deliverHead(status: number, headers: Record<string, string | string[] | undefined>): void {
    try {
      this.res.writeHead(status, forwardResponseHeaders(headers, this.route.identity, this.exchange.requestId));
    } catch (err) {
      // Node refuses a header the backend sent (e.g. a character it will not write): the response is unusable.
      this.fail(unforwardableHeader(err));
      this.abortUpstream();
    }
  }

  protected deliverData(chunk: Buffer): boolean {
    if (this.res.write(chunk)) return true;
    this.res.once("drain", onResponseDrain);
    return false;
  }

  protected deliverEnd(): void {
    this.res.end();
    this.finish(this.status, undefined);
  }

  protected deliverFailure(failure: Failure): void {
    this.fail(failure);
  }

  protected deliverBroken(failure: Failure): void {
    this.fail(failure);
  }

  protected deliverAbort(): void {
    this.finish(CLIENT_CLOSED_STATUS, "client closed the connection");
  }

  protected consumerGone(): boolean {
    return this.res.destroyed;
  }

  bodyTouched(): boolean {
    return this.req.bodyTouched();
  }

  /** Called when the response closes: before finishing, that means the client left. */
  clientClosed(): void {
    if (!this.finished) this.abortUpstream();
  }

  private fail(failure: Failure): void {
    this.route.countFailure(failure.reason);
    const broken = this.res.headersSent;
    respondWithFailure(this.exchange, failure, this.backendId);
    this.finish(broken ? this.status : failure.status, failure.reason);
  }

  private finish(status: number, error: string | undefined): void {
    if (this.finished) return;
    this.finished = true;
    const answered = this.binding !== undefined && this.status !== 0;
    recordCompletion(this.exchange, answered ? this.binding!.series : this.route.localSeries, {
      status,
      route: this.route.name,
      fleet: this.route.fleet.name,
      backend: this.backendId,
      attempts: this.attempts,
      error,
    });
  }
}

function onResponseClose(this: ProxyResponse): void {
  (this as TaggedResponse)[kExchange]?.clientClosed();
}

function onResponseDrain(this: ProxyResponse): void {
  (this as TaggedResponse)[kExchange]?.resumeUpstream();
}
