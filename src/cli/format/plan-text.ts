/**
 * A DeploymentPlan as a short readable summary: what would run where, under
 * which names and ports. `edgeform plan --format json` prints the whole plan.
 */
import type { DeploymentPlan, PlannedFleet } from "../../plan/types.js";
import { formatBytes, formatDuration } from "../../spec/units.js";
import type { Color } from "../io.js";

type Paint = (color: Color, text: string) => string;

/**
 * What `edgeform dev` will do on this machine beyond the plan: which caches
 * want a Redis tier, and whether redis-server and prometheus are installed.
 */
export interface DevMachine {
  redisCaches: string[];
  redisInstalled: boolean;
  prometheusInstalled: boolean;
}

const AT_START = "chosen at start";

/** Rows of cells, each column padded to its widest cell. */
function table(rows: string[][], indent = "  "): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) => indent + r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join("  ").trimEnd());
}

function list(items: readonly string[], max = 3): string {
  return items.length <= max ? items.join(", ") : `${items.slice(0, max).join(", ")}, … (${items.length})`;
}

function fleetRow(f: PlannedFleet, dev: boolean): string[] {
  if (f.kind === "external") return [f.name, "existing origins", "", "", ""];
  if (dev && f.dev) return [f.name, `dev.command: ${f.dev.command}`, `$PORT ${AT_START}`, `×${f.replicas}`, list(f.replicaNames)];
  return [f.name, f.image ?? "", `port ${f.port}`, `×${f.replicas}`, list(f.replicaNames)];
}

/** `machine` is given for the dev target: the plan then says what dev really runs and which ports it picks itself. */
export function formatPlanText(plan: DeploymentPlan, paint: Paint = (_, t) => t, machine?: DevMachine): string {
  const dev = plan.target.provider === "dev" && machine !== undefined;
  const h = (t: string) => paint("bold", t);
  const out: string[] = [];
  out.push(`${h("plan")} for "${plan.name}" on target "${plan.target.name}" (${plan.target.provider})`);
  out.push(...table([
    ["network", plan.network],
    ["tags", Object.entries(plan.tags).map(([k, v]) => `${k}=${v}`).join(", ")],
    ["secrets", plan.secrets.length ? plan.secrets.join(", ") : "none"],
  ], ""));

  out.push("", h(`fleets (${plan.fleets.length})`));
  out.push(...table(plan.fleets.map((f) => fleetRow(f, dev))));
  for (const f of plan.fleets) {
    const c = plan.proxyConfig.clusters.find((x) => x.name === f.name);
    const backends = c?.discovery.type === "static"
      ? c.discovery.endpoints.map((e) => `${e.host}:${e.port}${e.weight !== 1 ? ` (weight ${e.weight})` : ""}`)
      : c?.discovery.type === "cloudmap"
        ? [`${c.discovery.service}.${c.discovery.namespace}:${c.discovery.port} (cloud map)`]
        : (c?.discovery.type === "dns" ? c.discovery.hosts : []).map((e) => `${e.host}:${e.port} (dns)`);
    const hc = f.healthCheck;
    const health = hc ? `, health ${hc.protocol === "http" ? `GET ${hc.path}` : "tcp"} every ${formatDuration(hc.intervalMs)} (timeout ${formatDuration(hc.timeoutMs)})` : "";
    out.push(paint("dim", `    ${f.name}: ${backends.length ? list(backends) : `addresses ${dev ? AT_START : "assigned when started"}`}${health}`));
  }

  const e = plan.edge;
  out.push("", h("edge") + `  ${e.resourceName} ×${e.replicas}${e.workers ? `, ${e.workers} workers` : ""}, admin ${dev ? `port ${AT_START}` : `:${e.adminPort}`}${e.image ? `, image ${e.image}` : ""}`);
  out.push(...table(e.listeners.map((l) => [
    `listener ${l.name}`,
    `${l.protocol} :${l.port}`,
    l.publishedPorts.length ? `published ${list(l.publishedPorts.map(String))}` : "",
  ])));

  const routes = plan.proxyConfig.routes;
  out.push("", h(`routes (${routes.length})`), ...table(routes.map((r) => [
    r.name,
    `${r.match.host ?? ""}${r.match.pathPrefix}${r.match.headers ? ` ${Object.entries(r.match.headers).map(([k, v]) => `${k}=${v}`).join(" ")}` : ""}`,
    `→ ${r.cluster}`,
    r.cache ? `cache ${r.cache.cache}` : "no cache",
    r.balancer.algorithm,
    r.retry.attempts > 0 ? `retry ${r.retry.attempts}× on ${r.retry.on.join(", ")}` : "no retries",
  ])));
  const tcp = plan.proxyConfig.listeners.filter((l) => l.protocol === "tcp");
  if (tcp.length) out.push(...table(tcp.map((l) => [`tcp ${l.name}`, `:${l.port}`, `→ ${l.cluster}`, l.balancer.algorithm])));

  out.push("", h(`caches (${plan.caches.length})`));
  out.push(...table(plan.caches.map((c) => [
    c.name,
    `memory ${formatBytes(c.memoryMaxBytes)}`,
    c.redis ? `redis ${c.redis.host}:${c.redis.port} (${formatBytes(c.redis.maxMemoryBytes)}, ${c.redis.evictionPolicy})` : dev && machine.redisCaches.includes(c.name) ? devRedis(machine) : "no shared tier",
  ])));

  const m = plan.monitoring;
  out.push("", h("monitoring"));
  out.push(...table([
    ["prometheus", m.prometheus && dev && !machine.prometheusInstalled ? "not started: prometheus is not installed here (the live view reads /metrics itself)" : m.prometheus ? `${m.prometheus.resourceName} ${dev ? `port ${AT_START}` : `:${m.prometheus.port}`}, scrapes ${m.prometheus.scrapeTargets.length} target${m.prometheus.scrapeTargets.length === 1 ? "" : "s"} every ${formatDuration(m.prometheus.scrapeIntervalMs)}, keeps ${formatDuration(m.prometheus.retentionMs)}` : "off"],
    ["grafana", m.grafana && dev ? "not run by `edgeform dev`" : m.grafana ? `${m.grafana.resourceName} :${m.grafana.port}, admin password from secret "${m.grafana.adminPassword.secret}"` : "off"],
  ]));
  if (dev) {
    out.push("", paint("dim", `ports marked "${AT_START}" are free loopback ports \`edgeform dev\` picks when it starts and prints in its banner;`));
    out.push(paint("dim", "listeners keep the ports above (--port moves the first HTTP one)"));
  }
  return out.join("\n");
}

function devRedis(machine: DevMachine): string {
  return machine.redisInstalled ? `redis-server on a port ${AT_START} (installed here)` : "memory only: redis-server is not installed here (install it for the shared tier)";
}
