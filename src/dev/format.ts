/**
 * Text for `edgeform dev`'s events and live numbers: one line (or a few) per
 * event for logs, and the cells of the live table. Shared by the plain and
 * TTY views so both say the same thing.
 */
import type { Diagnostic } from "../spec/diagnostics.js";
import type { DevEvent } from "./events.js";
import type { BackendRow, CacheRow, LiveStats } from "./stats.js";

export type Paint = (color: "red" | "yellow" | "green" | "cyan" | "dim" | "bold", text: string) => string;
export type FormatDiagnostics = (diagnostics: readonly Diagnostic[], source?: string) => string;

export const noPaint: Paint = (_c, t) => t;

export function ansiPaint(enabled: boolean): Paint {
  const codes = { red: 31, yellow: 33, green: 32, cyan: 36, dim: 2, bold: 1 } as const;
  return enabled ? (c, t) => `\x1b[${codes[c]}m${t}\x1b[0m` : noPaint;
}

/** Lines for an event; empty when the event is not shown as text (status). */
export function eventLines(e: DevEvent, paint: Paint, formatDiagnostics: FormatDiagnostics): string[] {
  switch (e.event) {
    case "starting":
      return [`${paint("bold", "edgeform dev")}: starting ${e.name} from ${e.spec}`];
    case "notice":
      return [`${paint("cyan", "note:")} ${e.message}`];
    case "warning":
      return [`${paint("yellow", "warning:")} ${e.message}`];
    case "error":
      return [`${paint("red", "error")} ${e.code}: ${e.message}`, ...(e.hint ? [`  fix: ${e.hint}`] : [])];
    case "spec-invalid": {
      const { shown, folded } = foldKnockOnSyntaxErrors(e.diagnostics);
      return [
        ...formatDiagnostics(shown, e.specText).trimEnd().split("\n"),
        ...(folded > 0 ? [paint("dim", `(${folded} more YAML syntax error${folded === 1 ? "" : "s"} after this one, usually knock-on effects of it: fix this one first)`)] : []),
        e.kept ? paint("yellow", "the spec is invalid; the running topology is kept — fix it and save again") : paint("red", "the spec is invalid; nothing was started"),
      ];
    }
    case "process-started":
      return [paint("dim", `started ${e.name} (pid ${e.pid}${e.port !== undefined ? `, port ${e.port}` : ""})`)];
    case "process-exited": {
      if (e.expected) return [paint("dim", `stopped ${e.name} (pid ${e.pid})`)];
      const how = e.signal ? `signal ${e.signal}` : `code ${e.code}`;
      const next = e.restartInMs !== undefined ? `; restarting in ${formatDuration(e.restartInMs)}` : "";
      return [`${paint(e.code === 0 ? "yellow" : "red", `${e.name} exited`)} (${how})${next}`];
    }
    case "log":
      return [`${paint("dim", `${e.source.padEnd(8)} |`)} ${formatLogLine(e.line)}`];
    case "ready": {
      const lines = [`${paint("green", "ready:")} ${e.name}`];
      for (const l of e.listeners) lines.push(`  edge        ${paint("bold", l.url)}  (listener ${l.name})`);
      lines.push(`  admin       ${e.admin}  (/metrics, /healthz)`);
      if (e.replicas.length) lines.push(`  replicas    ${e.replicas.map((r) => `${r.name} :${r.port}`).join(", ")}`);
      for (const r of e.redis) lines.push(`  redis       cache ${r.cache} on :${r.port}`);
      if (e.prometheus) lines.push(`  prometheus  ${e.prometheus}`);
      if (e.alertmanager) lines.push(`  alerts      ${e.alertmanager}  (Alertmanager)`);
      e.examples.forEach((example, i) => lines.push(`  ${i === 0 ? "try " : "    "}        ${example}`));
      if (e.purge) lines.push(`  purge       ${e.purge}`);
      return lines;
    }
    case "reloaded": {
      const parts = [e.started.length ? `started ${e.started.join(", ")}` : "", e.stopped.length ? `stopped ${e.stopped.join(", ")}` : ""].filter(Boolean);
      return [`${paint("green", "spec applied:")} ${parts.length ? parts.join("; ") + "; " : ""}edge proxy reloaded`];
    }
    case "purged":
      return [e.status >= 200 && e.status < 300 ? `${paint("green", "cache purged")} ${e.detail}` : `${paint("red", `purge failed (HTTP ${e.status})`)} ${e.detail}`];
    case "stopping":
      return [`stopping (${e.reason})…`];
    case "stopped":
      return ["stopped: every process edgeform dev started has exited"];
    case "status":
      return [];
  }
}

/**
 * A YAML syntax error derails the parser, so the ones after it are mostly
 * echoes of it (an unclosed bracket is reported again at every later key).
 * Only the first is worth reading while editing; the rest are counted.
 */
export function foldKnockOnSyntaxErrors(diagnostics: readonly Diagnostic[]): { shown: Diagnostic[]; folded: number } {
  const firstSyntax = diagnostics.findIndex((d) => d.code === "EF_SPEC_SYNTAX");
  if (firstSyntax < 0) return { shown: [...diagnostics], folded: 0 };
  const shown = diagnostics.filter((d, i) => d.code !== "EF_SPEC_SYNTAX" || i === firstSyntax);
  return { shown, folded: diagnostics.length - shown.length };
}

/**
 * pino-style JSON lines become `msg key=value …` (access records a compact
 * `GET /path 200 3ms route→backend [cache status]`); other text is kept.
 */
export function formatLogLine(line: string): string {
  if (!line.startsWith("{")) return line;
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  if (o["type"] === "access") {
    const cache = typeof o["cache"] === "string" ? ` [${o["cache"].replace(/^edgeform;\s*/, "")}]` : "";
    return `${o["method"]} ${o["path"]} ${o["status"]} ${o["durationMs"]}ms ${o["route"] ?? "-"}→${o["backend"] ?? "edge"}${cache}`;
  }
  // Fields every line carries say nothing here.
  const skip = new Set(["level", "time", "pid", "hostname", "msg", "v", "proxy"]);
  const fields = Object.entries(o)
    .filter(([k]) => !skip.has(k))
    .map(([k, v]) => `${k}=${logValue(v)}`);
  const msg = typeof o["msg"] === "string" ? o["msg"] : "";
  return [msg, ...fields].filter(Boolean).join(" ");
}

export function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)}s`;
}

export function formatLatency(ms: number | undefined): string {
  if (ms === undefined) return "-";
  if (ms < 1) return "<1ms";
  return formatDuration(ms);
}

export function formatRatio(r: number | undefined): string {
  return r === undefined ? "-" : `${(r * 100).toFixed(r > 0 && r < 0.1 ? 1 : 0)}%`;
}

export function formatRate(rps: number | undefined): string {
  return rps === undefined ? "-" : rps >= 100 ? rps.toFixed(0) : rps.toFixed(1);
}

/** "healthy", "DOWN", or "ejected (until hh:mm:ss)" while outlier detection keeps a backend out. */
export function healthText(row: Pick<BackendRow, "healthy" | "ejectedUntil">, now: number = Date.now()): string {
  if (row.healthy === undefined) return "-";
  if (row.healthy) return "healthy";
  return row.ejectedUntil !== undefined && row.ejectedUntil > now ? `ejected (until ${clockTime(row.ejectedUntil)})` : "DOWN";
}

/** Local wall-clock time, hh:mm:ss: what a person compares with their clock (never a raw epoch). */
export function clockTime(epochMs: number): string {
  return new Date(epochMs).toTimeString().slice(0, 8);
}

// Epoch milliseconds of years 2001-2286, and ISO 8601 timestamps: shown as clock times in logs.
const EPOCH_MS = { min: 1e12, max: 1e13 };
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function logValue(v: unknown): string {
  if (typeof v === "number" && Number.isInteger(v) && v >= EPOCH_MS.min && v < EPOCH_MS.max) return clockTime(v);
  if (typeof v === "string") return ISO_TIME.test(v) ? clockTime(Date.parse(v)) : v;
  return JSON.stringify(v);
}

export function backendLabel(row: BackendRow, names: ReadonlyMap<string, string>): string {
  // Answered by the proxy itself: a cache hit, or an error it generated.
  if (row.backend === "") return "(edge)";
  const name = names.get(row.backend);
  return name ? `${name} :${row.backend.split(":").at(-1)}` : row.backend;
}

export function cacheText(c: CacheRow): string {
  return `cache ${c.cache}: hit ratio ${formatRatio(c.hitRatio)} (${c.hits} of ${c.requests} requests served from cache)`;
}

/**
 * One status line for plain logs: backends that served traffic in the window
 * or are down, and the caches. Undefined when there is nothing to say.
 */
export function statusLine(stats: LiveStats, names: ReadonlyMap<string, string>): string | undefined {
  const rows = stats.rows
    .filter((r) => (r.rps ?? 0) > 0 || r.healthy === false)
    .map((r) => `${r.route}→${backendLabel(r, names)} ${formatRate(r.rps)} req/s err ${formatRatio(r.errorRatio)} p50 ${formatLatency(r.p50Ms)} p99 ${formatLatency(r.p99Ms)} ${healthText(r)}`);
  if (rows.length === 0) return undefined;
  return ["status:", rows.join(" | "), ...stats.caches.map((c) => `· ${cacheText(c)}`)].join(" ");
}
