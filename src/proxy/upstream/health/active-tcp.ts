/** Active TCP health probe: healthy when a connection opens within the timeout. */
import { connect } from "node:net";
import type { Backend } from "../contracts.js";
import { errorReason, settleProbe, type Probe } from "./probe.js";

export function createTcpProbe(config: { timeoutMs: number }): Probe {
  return (backend: Backend) =>
    settleProbe(config.timeoutMs, (finish) => {
      const socket = connect({ host: backend.host, port: backend.port });
      socket.once("connect", () => finish({ ok: true, reason: "connected" }));
      socket.on("error", (err) => finish({ ok: false, reason: errorReason(err) }));
      return socket;
    });
}
