/**
 * WebSocket and other `Upgrade` requests: routed like any request, then the
 * request head (hop-by-hop headers stripped, forwarding headers added, and
 * the Connection/Upgrade pair restored) is written to a backend over a fresh
 * connection, and from there bytes flow untouched both ways, the backend's
 * 101 response included, until either side closes or the route's idle
 * timeout passes.
 *
 * `Upgrade: h2c` is refused: tunnelling a cleartext HTTP/2 upgrade lets a
 * client talk to the backend past the proxy's request handling (the known
 * "h2c smuggling" technique).
 */
import net, { type Socket } from "node:net";
import type { Duplex } from "node:stream";
import { classifyUpstreamError } from "./forward/errors.js";
import type { Backend } from "./contracts.js";
import type { ProxyRequest } from "./http1/types.js";
import type { HttpListener, ProxyHost } from "./server.js";
import { clientAddress } from "./server.js";

export function proxyUpgrade(listener: HttpListener, host: ProxyHost, req: ProxyRequest, socket: Duplex, head: Buffer): void {
  const state = host.state;
  const client = clientAddress(req.socket);
  const protocol = String(req.headers["upgrade"] ?? "");
  if (protocol.toLowerCase().split(",").some((p) => p.trim() === "h2c")) {
    listener.refuseRaw(socket, 400, "Upgrade: h2c is not proxied");
    return;
  }
  const resolved = listener.resolve(state, req, client);
  if ("status" in resolved) {
    listener.refuseRaw(socket, resolved.status, resolved.message);
    return;
  }
  const { route, forwarded, path } = resolved;
  const set = route.cluster.snapshot();
  const candidates: Backend[] = [];
  for (const c of route.selector.candidates(set, {})) {
    candidates.push(c.backend);
    if (candidates.length > route.retry.attempts) break;
  }
  if (candidates.length === 0) {
    listener.refuseRaw(socket, 503, `no usable backend in fleet "${route.fleet}"`);
    return;
  }
  const headLines = [`${req.method} ${path} HTTP/1.1`];
  const h = forwarded.headers;
  for (let i = 0; i < h.length; i += 2) headLines.push(`${h[i]}: ${h[i + 1]}`);
  headLines.push("connection: upgrade", `upgrade: ${protocol}`);
  const requestHead = `${headLines.join("\r\n")}\r\n\r\n`;
  const log = listener.logger;
  const connectMs = route.config.timeouts.connectMs;
  const idleMs = route.config.timeouts.idleMs;

  const attempt = (i: number): void => {
    const backend = candidates[i]!;
    route.cluster.acquire(backend);
    const started = performance.now();
    const upstream = net.connect({ host: backend.host, port: backend.port, noDelay: true });
    const connectTimer = setTimeout(() => upstream.destroy(Object.assign(new Error("connect timeout"), { code: "UND_ERR_CONNECT_TIMEOUT" })), connectMs);
    let connected = false;
    upstream.once("connect", () => {
      connected = true;
      clearTimeout(connectTimer);
      upstream.write(requestHead);
      if (head.length > 0) upstream.write(head);
      tunnel(listener, socket, upstream, idleMs, () => route.cluster.release(backend, "success", performance.now() - started));
      route.binding(backend).series.record(101, (performance.now() - started) / 1000);
      log.info({ event: "upgrade", route: route.name, backend: backend.id, protocol, requestId: forwarded.requestId }, "upgrade tunnel opened");
    });
    upstream.once("error", (err) => {
      clearTimeout(connectTimer);
      if (connected) return;
      const failure = classifyUpstreamError(err);
      route.cluster.release(backend, failure.outcome, performance.now() - started);
      if (i + 1 < candidates.length && !socket.destroyed) {
        attempt(i + 1);
        return;
      }
      route.countFailure(failure.reason);
      log.warn({ event: "upstream-error", route: route.name, backend: backend.id, reason: failure.reason }, failure.message);
      listener.refuseRaw(socket, failure.status, failure.message);
    });
  };
  attempt(0);
}

/** Pipes bytes both ways until either side ends, errors or stays idle too long. */
function tunnel(listener: HttpListener, client: Duplex, upstream: Socket, idleMs: number, onClose: () => void): void {
  listener.tunnels.add(client);
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    listener.tunnels.delete(client);
    client.destroy();
    upstream.destroy();
    onClose();
  };
  for (const s of [client, upstream]) {
    s.on("error", close);
    s.on("close", close);
    (s as Socket).setTimeout?.(idleMs, close);
  }
  upstream.pipe(client);
  client.pipe(upstream);
}
