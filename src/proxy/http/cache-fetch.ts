/**
 * The attempt loop behind the cache layer's UpstreamFetch: the same
 * balancing, retries and timeouts as the direct path, but the response is
 * handed over as { status, headers, body stream } for the cache to store,
 * revalidate or pass on. The body stream pulls from the backend (backpressure
 * through resume/pause) and destroying it aborts the upstream request.
 */
import { Readable } from "node:stream";
import type { UpstreamResponse } from "../upstream/contracts.js";
import { endToEndHeaders } from "./headers.js";
import { ClientGoneError, UpstreamAttempts, type UpstreamRequest } from "../upstream/attempts.js";
import type { Failure } from "../upstream/errors.js";

/** Rejection (or body error) of a fetch that found no usable response; carries the classification. */
export class UpstreamFailureError extends Error {
  override name = "UpstreamFailureError";
  constructor(readonly failure: Failure) {
    super(failure.message);
  }
}

/** One fetch for the cache layer: the upstream request, and where its outcome goes. */
export interface CacheFetchRequest extends UpstreamRequest {
  resolve(response: UpstreamResponse): void;
  reject(err: Error): void;
  /** The foreground client's liveness before a response exists; undefined for background fetches. */
  readonly clientGone: (() => boolean) | undefined;
}

export class FetchExchange extends UpstreamAttempts {
  private stream: Readable | undefined;
  private over = false;
  private readonly resolve: (response: UpstreamResponse) => void;
  private readonly reject: (err: Error) => void;
  private readonly clientGone: (() => boolean) | undefined;

  constructor(request: CacheFetchRequest) {
    super(request);
    this.resolve = request.resolve;
    this.reject = request.reject;
    this.clientGone = request.clientGone;
  }

  protected deliverHead(status: number, headers: Record<string, string | string[] | undefined>): void {
    const stream = new Readable({
      read: () => this.resumeUpstream(),
      destroy: (err, callback) => {
        if (!this.over) this.abortUpstream();
        callback(err);
      },
    });
    this.stream = stream;
    const response: UpstreamResponse = { status, headers: endToEndHeaders(headers), body: stream };
    if (this.backendId !== undefined) response.backend = this.backendId;
    this.resolve(response);
  }

  protected deliverData(chunk: Buffer): boolean {
    return this.stream!.push(chunk);
  }

  protected deliverEnd(): void {
    this.over = true;
    this.stream!.push(null);
  }

  protected deliverFailure(failure: Failure): void {
    this.over = true;
    this.reject(new UpstreamFailureError(failure));
  }

  protected deliverBroken(failure: Failure): void {
    this.over = true;
    this.stream!.destroy(new UpstreamFailureError(failure));
  }

  protected deliverAbort(): void {
    this.over = true;
    if (this.stream) this.stream.destroy();
    else this.reject(new ClientGoneError());
  }

  protected consumerGone(): boolean {
    if (this.stream !== undefined) return this.stream.destroyed;
    return this.clientGone?.() ?? false;
  }

  bodyTouched(): boolean {
    return this.body !== null && (this.body as Readable & { readableDidRead?: boolean }).readableDidRead === true;
  }
}
