/**
 * The live terminal view: the topology's addresses, a table per route and
 * backend (rate, errors, p50/p99, health), cache hit ratios, the keys, and the
 * latest log lines below. Drawn on the terminal's alternate screen, redrawn at
 * most ten times a second; on close the terminal gets its screen back and the
 * last log lines are returned so they stay visible. Long lines wrap instead of
 * being cut, and the current problem (an invalid spec) takes the table's place
 * until it is fixed; on close it is returned whole, however long it is.
 */
import { backendLabel, cacheText, formatLatency, formatRate, formatRatio, healthText, type Paint } from "./format.js";
import type { LiveStats } from "./stats.js";

const MAX_LOG_LINES = 500;
const TAIL_ON_CLOSE = 15;
// CSI sequences (colors, cursor moves) take no columns.
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/y;

export class TtyScreen {
  private header: string[] = ["edgeform dev: starting…"];
  private stats: LiveStats | undefined;
  private names: ReadonlyMap<string, string> = new Map();
  private readonly logs: string[] = [];
  /** The problem shown in place of the table until the spec is applied again. */
  private problem: string[] = [];
  private scheduled: NodeJS.Timeout | undefined;
  private isOpen = true;
  private readonly onResize = () => this.render();

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly paint: Paint,
  ) {
    out.write("\x1b[?1049h\x1b[?25l");
    out.on("resize", this.onResize);
    this.schedule();
  }

  get open(): boolean {
    return this.isOpen;
  }

  setHeader(lines: string[]): void {
    this.header = lines;
    this.schedule();
  }

  setStats(stats: LiveStats, names: ReadonlyMap<string, string>): void {
    this.stats = stats;
    this.names = names;
    this.schedule();
  }

  log(line: string): void {
    this.logs.push(line);
    if (this.logs.length > MAX_LOG_LINES) this.logs.splice(0, this.logs.length - MAX_LOG_LINES);
    this.schedule();
  }

  /** Show these lines in place of the table until cleared (with no lines). */
  setProblem(lines: string[]): void {
    this.problem = lines;
    this.schedule();
  }

  /** Give the terminal its screen back; returns what the caller should print: the last log lines, then the open problem in full. */
  close(): string[] {
    if (!this.isOpen) return [];
    this.isOpen = false;
    clearTimeout(this.scheduled);
    this.out.off("resize", this.onResize);
    this.out.write("\x1b[?25h\x1b[?1049l");
    return [...this.logs.slice(-TAIL_ON_CLOSE), ...this.problem];
  }

  private schedule(): void {
    if (!this.isOpen || this.scheduled) return;
    this.scheduled = setTimeout(() => {
      this.scheduled = undefined;
      this.render();
    }, 100);
  }

  private render(): void {
    if (!this.isOpen) return;
    const width = this.out.columns ?? 100;
    const height = this.out.rows ?? 30;
    const middle = this.problem.length > 0 ? this.problem : this.table();
    const keys = this.paint("dim", `keys: r restart a replica (in turn) · p purge the cache · q quit${this.problem.length > 0 ? " (prints the whole problem)" : ""}`);
    const top = [...this.header, "", ...middle, "", keys, this.paint("dim", "─".repeat(Math.min(width, 80)))].flatMap((l) => wrap(l, width));
    const room = Math.max(0, height - top.length - 1);
    const logs = this.logs.slice(-room).flatMap((l) => wrap(l, width));
    const frame = [...top, ...logs.slice(logs.length - room)].slice(0, height - 1);
    this.out.write("\x1b[H" + frame.map((l) => l + "\x1b[K").join("\n") + "\n\x1b[J");
  }

  private table(): string[] {
    const stats = this.stats;
    if (!stats) return [this.paint("dim", "waiting for the proxy's metrics…")];
    const head = ["ROUTE", "BACKEND", "REQ/S", "ERRORS", "P50", "P99", "HEALTH"];
    // Rows come in route order; within a route, replicas read best by name (web-0, web-1, …).
    const routeRank = new Map<string, number>();
    stats.rows.forEach((r) => routeRank.set(r.route, routeRank.get(r.route) ?? routeRank.size));
    const ordered = [...stats.rows].sort(
      (a, b) => routeRank.get(a.route)! - routeRank.get(b.route)! || backendLabel(a, this.names).localeCompare(backendLabel(b, this.names), undefined, { numeric: true }),
    );
    const body = ordered.map((r) => [r.route, backendLabel(r, this.names), formatRate(r.rps), formatRatio(r.errorRatio), formatLatency(r.p50Ms), formatLatency(r.p99Ms), healthText(r)]);
    const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
    const line = (cells: string[]) => cells.map((c, i) => (i >= 2 && i <= 5 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join("  ");
    const rows = body.map((cells, i) => {
      const text = line(cells);
      const r = ordered[i]!;
      if (r.healthy === false) return this.paint("red", text);
      if ((r.errorRatio ?? 0) > 0.05) return this.paint("yellow", text);
      return text;
    });
    return [this.paint("bold", line(head)), ...(rows.length ? rows : [this.paint("dim", "no backends reported yet")]), ...stats.caches.map((c) => cacheText(c))];
  }
}

/** Split a line into pieces of at most `width` visible columns, keeping escape sequences intact. */
export function wrap(line: string, width: number): string[] {
  const pieces: string[] = [];
  let piece = "";
  let visible = 0;
  for (let i = 0; i < line.length; ) {
    ANSI.lastIndex = i;
    const m = ANSI.exec(line);
    if (m) {
      piece += m[0];
      i += m[0].length;
      continue;
    }
    if (visible === width) {
      pieces.push(piece);
      piece = "";
      visible = 0;
    }
    piece += line[i];
    visible++;
    i++;
  }
  pieces.push(piece);
  return pieces;
}
