/** Active TCP health probe: healthy when a connection opens within the timeout (over TLS: when the handshake and certificate check succeed). */
import { connect } from "node:net";
import { connect as connectTls } from "node:tls";
import type { Backend } from "../contracts.js";
import type { UpstreamTls } from "../../tls/upstream-tls.js";
import { errorReason, settleProbe, type Probe } from "./probe.js";

export function createTcpProbe(config: { timeoutMs: number }, tls?: UpstreamTls): Probe {
  return (backend: Backend) =>
    settleProbe(config.timeoutMs, (finish) => {
      const socket = tls === undefined
        ? connect({ host: backend.host, port: backend.port })
        : connectTls({ host: backend.host, port: backend.port, ...tls.connectOptions(backend.host) });
      socket.once(tls === undefined ? "connect" : "secureConnect", () => finish({ ok: true, reason: "connected" }));
      socket.on("error", (err) => finish({ ok: false, reason: errorReason(err) }));
      return socket;
    });
}
