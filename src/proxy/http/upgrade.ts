/**
 * WebSocket and other `Upgrade` requests: routed like any request, then the
 * request head (hop-by-hop headers stripped, forwarding headers added, and
 * the Connection/Upgrade pair restored) is written to a backend over a fresh
 * connection, and from there bytes flow untouched both ways, the backend's
 * 101 response included, until either side closes or the route's idle
 * timeout passes. The backend's response head (101, or a refusal) gets the
 * proxy's Via and X-Request-Id like any response; after it, bytes pass as
 * they are.
 *
 * `Upgrade: h2c` is refused: tunnelling a cleartext HTTP/2 upgrade lets a
 * client talk to the backend past the proxy's request handling (the known
 * "h2c smuggling" technique).
 */
import net, { type Socket } from "node:net";
import type { Duplex } from "node:stream";
import { classifyUpstreamError } from "../forward/errors.js";
import type { Backend } from "../upstream/contracts.js";
import type { ProxyRequest } from "../http1/types.js";
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
      const extra = `via: ${listener.identity.via}\r\nx-request-id: ${forwarded.requestId}\r\n`;
      tunnel(listener, socket, upstream, idleMs, extra, () => route.cluster.release(backend, "success", performance.now() - started));
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

/** Longest backend response head the tunnel reads before giving up on the backend. */
const MAX_RESPONSE_HEAD = 64 * 1024;

/**
 * Pipes bytes both ways until either side ends, errors or stays idle too
 * long; the backend's response head is passed on with `extraFields` added
 * (and any X-Request-Id of its own dropped).
 */
function tunnel(listener: HttpListener, client: Duplex, upstream: Socket, idleMs: number, extraFields: string, onClose: () => void): void {
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
  client.pipe(upstream);
  let pending: Buffer = Buffer.alloc(0);
  const onHead = (chunk: Buffer): void => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    const end = pending.indexOf("\r\n\r\n");
    if (end < 0) {
      if (pending.length > MAX_RESPONSE_HEAD) close();
      return;
    }
    upstream.off("data", onHead);
    upstream.pause();
    client.write(withFields(pending.subarray(0, end + 2).toString("latin1"), extraFields), "latin1");
    const rest = pending.subarray(end + 4);
    if (rest.length > 0) client.write(rest);
    upstream.pipe(client);
  };
  upstream.on("data", onHead);
}

/** A response head (through the last field's CRLF) with our fields added and the backend's X-Request-Id dropped; then the blank line. */
function withFields(head: string, extraFields: string): string {
  const lines = head.split("\r\n");
  const kept = lines.filter((line, i) => i === 0 || !/^x-request-id\s*:/i.test(line));
  return `${kept.join("\r\n")}${extraFields}\r\n`;
}
