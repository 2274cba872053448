/**
 * One request as everything past the codec sees it: routing's result, the
 * cache glue, the forwarder, metrics and logs read this one object instead
 * of a dozen positional arguments. It is protocol-neutral: the HTTP/1.1
 * listener makes it today, an HTTP/2 codec would make the same.
 */
import type { RouteRuntime } from "./route-runtime.js";
import type { ProxyRequest, ProxyResponse } from "../http1/types.js";
import type { Logger } from "../runtime/log.js";
import type { ForwardedRequest } from "./headers.js";
import type { RequestIdentity } from "./request-identity.js";

/** The listener a request came in on, as answers and logs need it. */
export interface ListenerContext {
  readonly name: string;
  readonly logger: Logger;
  /** Undefined when access logging is off. */
  readonly accessLogger: Logger | undefined;
}

/** A config generation's hold on in-flight requests (see RuntimeState). */
export interface GenerationLease {
  leave(): void;
}

/** What every answer to a request records (see recordCompletion): known before routing. */
export interface ExchangeStart {
  readonly listener: ListenerContext;
  /** The config generation the request started on; released when it is answered. */
  readonly lease: GenerationLease;
  /** The client's address (IPv4 unmapped). */
  readonly client: string;
  /** performance.now() when the request head was parsed. */
  readonly startedAt: number;
  /** The request abstraction (method, target, headers, body). */
  readonly req: ProxyRequest;
  readonly requestId: string;
}

/** A routed request. */
export interface Exchange extends ExchangeStart {
  /** The response abstraction the answer is written to. */
  readonly res: ProxyResponse;
  readonly route: RouteRuntime;
  /** consistent-hash key of the route's balancer, undefined when it has none. */
  readonly hashKey: string | undefined;
  /** Headers to send upstream (hop-by-hop stripped, forwarding headers added) and the request id. */
  readonly forwarded: ForwardedRequest;
  /** Origin-form target to send upstream (identity.target). */
  readonly path: string;
  /** What was routed on; the cache keys on it and the upstream request is written from it. */
  readonly identity: RequestIdentity;
}
