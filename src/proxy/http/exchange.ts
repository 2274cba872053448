/**
 * One request as everything past the codec sees it. The codec makes it when
 * a request starts (request and response abstractions, client address,
 * start time); the listener adds itself and the config generation the
 * request holds; routing adds the route, the forwarded headers, the request
 * id and the hash key. Cache, forwarding, metrics and logs read this one
 * object instead of a dozen positional arguments. It is protocol-neutral:
 * the HTTP/1.1 codec makes it today, an HTTP/2 codec would make the same.
 *
 * One allocation per request: every field is set in the constructor (one
 * shape for V8) and filled in later by assignment.
 */
import type { Duplex } from "node:stream";
import type { HttpCacheLayer } from "../upstream/contracts.js";
import type { Logger } from "../runtime/log.js";
import { clientAddress } from "./client-address.js";
import type { ForwardedRequest, ForwardingIdentity } from "./headers.js";
import type { ProxyRequest, ProxyResponse } from "./messages.js";
import type { RequestIdentity } from "./request-identity.js";
import type { RouteRuntime } from "./route-runtime.js";
import type { Router } from "./router.js";
import type { TrustedProxies } from "./trusted-proxies.js";

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

/** A config generation as request handling reads it (RuntimeState implements it). */
export interface Generation extends GenerationLease {
  readonly router: Router<RouteRuntime>;
  readonly trust: TrustedProxies;
  /** What this generation tells backends and clients about the proxy on HTTP listener `listener`. */
  identity(listener: string): ForwardingIdentity;
  /** This generation's layer of cache `name` (undefined when it could not be made). */
  cacheLayer(name: string): HttpCacheLayer | undefined;
}

/** The "response" of an Upgrade request: the raw client socket, and bytes read past the request head. */
export interface UpgradeSocket {
  readonly socket: Duplex;
  readonly head: Buffer;
}

/** Request id of an exchange answered before its headers were read (redirects, internal errors). */
const NO_REQUEST_ID = "-";

export class Exchange<Res = ProxyResponse> {
  /** The client's address (IPv4 unmapped). */
  readonly client: string;
  /** performance.now() when the request was handed to the listener. */
  readonly startedAt: number;
  /** Set by the listener before anything else reads the exchange. */
  listener: ListenerContext;
  /** The config generation the request started on; released when it is answered. */
  generation: Generation;
  requestId: string;
  /** Set by routing: the route, and what was routed on (the cache keys on it, the upstream request is written from it). */
  route: RouteRuntime | undefined;
  /** Headers to send upstream (hop-by-hop stripped, forwarding headers added) and the request id. */
  forwarded: ForwardedRequest | undefined;
  identity: RequestIdentity | undefined;
  /** consistent-hash key of the route's balancer, undefined when it has none. */
  hashKey: string | undefined;

  constructor(
    /** The request abstraction (method, target, headers, body). */
    readonly req: ProxyRequest,
    /** The response abstraction the answer is written to. */
    readonly res: Res,
  ) {
    this.client = clientAddress(req.socket);
    this.startedAt = performance.now();
    this.listener = undefined as unknown as ListenerContext;
    this.generation = undefined as unknown as Generation;
    this.requestId = NO_REQUEST_ID;
    this.route = undefined;
    this.forwarded = undefined;
    this.identity = undefined;
    this.hashKey = undefined;
  }

  /** Origin-form target to send upstream (identity.target); routed exchanges only. */
  get path(): string {
    return this.identity!.target;
  }

  /** The request body to send upstream, or null when the request has none. */
  get body(): ProxyRequest["body"] | null {
    return this.forwarded!.hasBody ? this.req.body : null;
  }

  /** Upstream request method (undici's name for it). */
  get method(): string {
    return this.req.method;
  }

  /** Headers to send upstream. */
  get headers(): string[] {
    return this.forwarded!.headers;
  }
}

/** An Upgrade request's exchange: answered on the raw socket. */
export type UpgradeExchange = Exchange<UpgradeSocket>;

/** An exchange routing has resolved to a route. */
export type RoutedExchange<Res = ProxyResponse> = Exchange<Res> & {
  readonly route: RouteRuntime;
  readonly forwarded: ForwardedRequest;
  readonly identity: RequestIdentity;
};
