/**
 * Container health checks. Docker and ECS run them inside the container, so
 * they can only use what the image has: fleets get a shell chain that tries
 * wget, curl and node; the edge image is ours and always has node.
 */
import type { HealthCheckConfig } from "../../src/plan/proxy-config.js";

/**
 * Liveness of an edge replica: the process serves. Container and target-group
 * checks use it, never /readyz, so a fleet without backends cannot get every
 * edge task replaced.
 */
export const EDGE_LIVENESS_PATH = "/healthz";

/** Probe an HTTP path on loopback with Node's fetch (Node 22 has it built in). */
export function nodeHttpProbe(port: number, path: string): string {
  return `fetch('http://127.0.0.1:${port}${path}').then(r=>process.exit(r.status<400?0:1),()=>process.exit(1))`;
}

function nodeTcpProbe(port: number): string {
  return `require('net').connect(${port},'127.0.0.1').on('connect',()=>process.exit(0)).on('error',()=>process.exit(1))`;
}

/** The command a fleet container's health check runs (Docker `CMD-SHELL` / ECS `CMD-SHELL`). */
export function fleetHealthShell(check: HealthCheckConfig, port: number): string {
  if (check.protocol === "tcp") {
    return `nc -z 127.0.0.1 ${port} || node -e "${nodeTcpProbe(port)}"`;
  }
  const url = `http://127.0.0.1:${port}${check.path}`;
  return `wget -q -O /dev/null ${url} || curl -fsS -o /dev/null ${url} || node -e "${nodeHttpProbe(port, check.path)}"`;
}

/** Docker durations are Go durations ("5s", "500ms"). */
export function goDuration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** ECS health check bounds: interval 5-300 s, timeout 2-60 s, retries 1-10. */
export function ecsHealthTiming(check: { intervalMs: number; timeoutMs: number; unhealthyThreshold: number }) {
  const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
  return {
    interval: clamp(Math.round(check.intervalMs / 1000), 5, 300),
    timeout: clamp(Math.round(check.timeoutMs / 1000), 2, 60),
    retries: clamp(check.unhealthyThreshold, 1, 10),
    startPeriod: 10,
  };
}
