/**
 * Active HTTP health probe: GET <path> on a fresh connection, healthy when the
 * status is in one of the expected ranges and the response arrives within the
 * timeout.
 *
 * It uses node:http with `agent: false` (one connection per probe, closed
 * after it) rather than the forwarder's pools: a probe must neither hold a
 * pooled keep-alive connection nor be fooled by one that is still open to a
 * backend that stopped accepting new connections.
 */
import { request } from "node:http";
import { request as requestTls } from "node:https";
import type { UpstreamTls } from "../../tls/upstream-tls.js";
import type { Backend } from "../contracts.js";
import type { HealthCheckConfig } from "../../../plan/proxy-config.js";
import { errorReason, settleProbe, type Probe } from "./probe.js";

export type HttpProbeConfig = Pick<HealthCheckConfig, "path" | "expectStatus" | "timeoutMs">;

export function statusExpected(status: number, ranges: ReadonlyArray<readonly [number, number]>): boolean {
  for (const [lo, hi] of ranges) if (status >= lo && status <= hi) return true;
  return false;
}

/** With `tls`, the probe speaks HTTPS with the fleet's TLS settings (CA, SNI, client certificate). */
export function createHttpProbe(config: HttpProbeConfig, tls?: UpstreamTls): Probe {
  const path = config.path.startsWith("/") ? config.path : `/${config.path}`;
  return (backend: Backend) =>
    settleProbe(config.timeoutMs, (finish) => {
      const req = (tls === undefined ? request : requestTls)({
        ...(tls === undefined ? {} : tls.connectOptions(backend.host)),
        host: backend.host,
        port: backend.port,
        method: "GET",
        path,
        agent: false,
        headers: {
          host: backend.id,
          "user-agent": "edgeform-health-check",
          connection: "close",
          accept: "*/*",
        },
      });
      req.on("response", (res) => {
        const status = res.statusCode ?? 0;
        res.on("error", () => {}); // destroying it below may surface "aborted"; the verdict is already made
        // The status decides; the body is not needed, so drop it with the connection.
        res.resume();
        finish(statusExpected(status, config.expectStatus) ? { ok: true, reason: `HTTP ${status}` } : { ok: false, reason: `HTTP ${status} not expected` });
      });
      req.on("error", (err) => finish({ ok: false, reason: errorReason(err) }));
      req.end();
      return req;
    });
}
