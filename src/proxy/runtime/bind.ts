/**
 * Binding the proxy's servers (HTTP listeners, TCP listeners, admin): one
 * place for the bind, the bound port and the "same address" test a reload
 * uses to decide whether a listener keeps its socket.
 */
import type { Server } from "node:net";
import type { Logger } from "./log.js";

export interface BindAddress {
  host: string;
  port: number;
}

/**
 * Binds `server`. A bind error (EADDRINUSE, EACCES) rejects; with a logger,
 * errors after the bind are logged instead of crashing the process.
 * `reusePort` lets worker processes share the port; `exclusive` then keeps
 * node:cluster from routing the bind through the primary.
 */
export function bindServer(server: Server, address: BindAddress, options: { reusePort?: boolean; logger?: Logger } = {}): Promise<void> {
  const { reusePort, logger } = options;
  const listenOptions = reusePort === undefined
    ? { host: address.host, port: address.port }
    : { host: address.host, port: address.port, reusePort, exclusive: reusePort || undefined };
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(listenOptions, () => {
      server.off("error", reject);
      if (logger) server.on("error", (err) => logger.error({ err: err.message }, "listener error"));
      resolve();
    });
  });
}

/** The port actually bound (port 0 in config means "any"), else the configured one. */
export function boundPort(server: Server, configured: number): number {
  const a = server.address();
  return typeof a === "object" && a !== null ? a.port : configured;
}

/** Whether a reloaded config keeps this address, so the socket can stay open. */
export function sameAddress(current: BindAddress, next: BindAddress): boolean {
  return next.host === current.host && next.port === current.port;
}
