/** Active TCP health probe: healthy when a connection opens within the timeout. */
import { connect, type Socket } from "node:net";
import type { Backend } from "../../contracts.js";
import { errorReason, type Probe, type ProbeResult } from "./probe.js";

export function createTcpProbe(config: { timeoutMs: number }): Probe {
  return (backend: Backend) =>
    new Promise<ProbeResult>((resolve) => {
      let socket: Socket | undefined;
      let timer: NodeJS.Timeout | undefined;
      let settled = false;
      const finish = (result: ProbeResult): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket?.destroy();
        resolve(result);
      };
      try {
        socket = connect({ host: backend.host, port: backend.port });
      } catch (err) {
        finish({ ok: false, reason: errorReason(err) }); // invalid port: thrown synchronously
        return;
      }
      timer = setTimeout(() => finish({ ok: false, reason: `timeout after ${config.timeoutMs}ms` }), config.timeoutMs);
      socket.once("connect", () => finish({ ok: true, reason: "connected" }));
      socket.on("error", (err) => finish({ ok: false, reason: errorReason(err) }));
    });
}
