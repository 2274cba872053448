/**
 * A TCP (L4) listener: each client connection is joined to one backend of
 * the listener's fleet, chosen by the same selectors and health as HTTP.
 * Client bytes wait (the socket is paused) until the backend connects, so a
 * connect failure can move on to the next candidate without losing any;
 * after that, bytes flow untouched both ways, half-closes included, until
 * both sides are done or the connection is idle for `timeouts.idleMs`.
 * A fleet with `tls` is reached over TLS with the same settings as its HTTP
 * traffic (SNI, CA, verification, client certificate): the connection counts
 * as made once the backend's certificate is accepted, and a refused one is a
 * connect failure that marks the backend, as on the HTTP path.
 */
import net, { type Socket } from "node:net";
import tls from "node:tls";
import type { TcpListenerConfig } from "../../plan/proxy-config.js";
import type { Backend } from "../upstream/contracts.js";
import { classifyUpstreamError } from "../upstream/errors.js";
import { Failover } from "../upstream/failover.js";
import type { Logger } from "../runtime/log.js";
import type { ProxyMetrics } from "../runtime/metrics.js";
import type { RuntimeState, TcpBinding } from "../runtime/generation.js";
import { unmapIPv4 } from "../http/headers.js";
import { bindServer, boundPort, sameAddress } from "../runtime/bind.js";

export interface TcpHost {
  readonly state: RuntimeState;
  readonly metrics: ProxyMetrics;
  readonly logger: Logger;
}

export class TcpListener {
  readonly name: string;
  readonly server: net.Server;
  private readonly logger: Logger;
  private readonly open = new Set<Socket>();

  constructor(
    private config: TcpListenerConfig,
    private readonly host: TcpHost,
  ) {
    this.name = config.name;
    this.logger = host.logger.child({ listener: config.name });
    this.server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true, noDelay: true }, (socket) => this.onConnection(socket));
  }

  get port(): number {
    return boundPort(this.server, this.config.port);
  }

  sameSocket(next: TcpListenerConfig): boolean {
    return sameAddress(this.config, next);
  }

  update(config: TcpListenerConfig): void {
    this.config = config;
  }

  listen(reusePort: boolean): Promise<void> {
    return bindServer(this.server, this.config, { reusePort, logger: this.logger });
  }

  /** Stops accepting; open connections may finish until `drainMs`, then are cut. */
  close(drainMs: number): Promise<void> {
    return new Promise((resolve) => {
      const deadline = setTimeout(() => {
        for (const s of this.open) s.destroy();
      }, drainMs);
      deadline.unref();
      this.server.close(() => {
        clearTimeout(deadline);
        resolve();
      });
    });
  }

  private onConnection(client: Socket): void {
    const state = this.host.state;
    const binding = state.tcp.get(this.name);
    if (binding === undefined) {
      client.destroy();
      return;
    }
    // The connection holds its generation (fleet, budget) until it closes, like an HTTP request.
    state.enter();
    this.host.metrics.connectionOpened(this.name);
    this.open.add(client);
    client.once("close", () => {
      this.open.delete(client);
      this.host.metrics.connectionClosed(this.name);
      state.leave();
    });
    // Until joined to a backend, an error just ends the client.
    client.on("error", () => client.destroy());
    const address = unmapIPv4(client.remoteAddress ?? "");
    const hashKey = binding.config.balancer.algorithm === "consistent-hash" ? address : undefined;
    // No byte has been read from the client (it is paused), so every connect failure may move on.
    const failover = new Failover(binding, { method: "CONNECT", hasBody: true, bodyTouched: () => false }, hashKey);
    const first = failover.first();
    if (first === undefined) {
      this.logger.warn({ event: "upstream-error", fleet: binding.config.cluster, reason: "no-backend", client: address }, "no usable backend; closing the connection");
      client.destroy();
      return;
    }
    this.connect(client, binding, failover, first, address);
  }

  private connect(client: Socket, binding: TcpBinding, failover: Failover, backend: Backend, address: string): void {
    const { config } = binding;
    failover.begin(backend);
    const upstreamTls = binding.fleet.tls;
    const upstream = upstreamTls === undefined
      ? net.connect({ host: backend.host, port: backend.port, allowHalfOpen: true, noDelay: true })
      // tls.connect hands allowHalfOpen to its socket, though ConnectionOptions does not declare it.
      : tls.connect({ host: backend.host, port: backend.port, allowHalfOpen: true, ...upstreamTls.connectOptions(backend.host, []) } as tls.ConnectionOptions).setNoDelay(true);
    upstream.setTimeout(config.timeouts.connectMs);
    const onConnectTimeout = () => upstream.destroy(Object.assign(new Error("connect timeout"), { code: "UND_ERR_CONNECT_TIMEOUT" }));
    upstream.once("timeout", onConnectTimeout);
    const onConnectError = (err: Error) => {
      const failure = classifyUpstreamError(err);
      failover.end(failure.outcome);
      const next = client.destroyed ? undefined : failover.retryAfterFailure(failure.outcome, false);
      if (next !== undefined) {
        this.connect(client, binding, failover, next, address);
        return;
      }
      failover.settle();
      this.host.metrics.upstreamErrors.inc({ route: this.name, fleet: config.cluster, reason: failure.reason });
      this.logger.warn({ event: "upstream-error", fleet: config.cluster, backend: backend.id, reason: failure.reason, client: address }, failure.message);
      client.destroy();
    };
    upstream.once("error", onConnectError);
    upstream.once(upstreamTls === undefined ? "connect" : "secureConnect", () => {
      upstream.off("error", onConnectError);
      upstream.off("timeout", onConnectTimeout);
      failover.settle();
      this.host.metrics.tcpConnections.inc({ listener: this.name, fleet: config.cluster, backend: backend.id });
      this.join(client, upstream, config.timeouts.idleMs, (outcome) => failover.end(outcome));
    });
  }

  private join(client: Socket, upstream: Socket, idleMs: number, done: (outcome: "success" | "reset") => void): void {
    let finished = false;
    const finish = (outcome: "success" | "reset") => {
      if (finished) return;
      finished = true;
      client.destroy();
      upstream.destroy();
      done(outcome);
    };
    client.removeAllListeners("error");
    client.on("error", () => finish("success"));
    upstream.on("error", () => finish("reset"));
    client.on("close", () => finish("success"));
    upstream.on("close", () => finish("success"));
    const idle = () => finish("success");
    client.setTimeout(idleMs, idle);
    upstream.setTimeout(idleMs, idle);
    client.pipe(upstream);
    upstream.pipe(client);
    client.resume();
  }
}
