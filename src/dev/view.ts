/**
 * How `edgeform dev` shows itself: a live screen on a terminal, plain log
 * lines (with a status line when traffic changes) otherwise, or JSON lines
 * for machines. The runner only emits events; this decides what they look like.
 */
import type { DevEvent, Report } from "./events.js";
import { ansiPaint, eventLines, statusLine, type FormatDiagnostics } from "./format.js";
import { computeStats, type LiveStats, type Scrape } from "./stats.js";
import { TtyScreen } from "./tty-screen.js";

export type ViewMode = "tty" | "plain" | "json";

/** What the view needs from the CLI's Io (structurally compatible with it). */
export interface DevIo {
  out(text: string): void;
  err(text: string): void;
  color: boolean;
}

/** What the view reads from the running topology. */
export interface LiveSource {
  scrape(): Promise<Scrape | undefined>;
  routes(): Array<{ name: string; fleet: string }>;
  backendNames(): Map<string, string>;
  summary(): Omit<Extract<DevEvent, { event: "ready" }>, "event">;
}

export interface ViewOptions {
  mode: ViewMode;
  io: DevIo;
  formatDiagnostics: FormatDiagnostics;
  /** TTY mode: the terminal to draw on. */
  terminal?: NodeJS.WriteStream;
  /** How often the live numbers are refreshed (TTY) or checked for a status line (plain, json). */
  intervalMs?: number;
}

export class DevView {
  readonly report: Report = (e) => this.onEvent(e);
  private readonly paint;
  /** Opened once the topology is ready: startup output and errors stay plain, in the scrollback. */
  private screen: TtyScreen | undefined;
  private timer: NodeJS.Timeout | undefined;
  private previous: Scrape | undefined;
  private lastStatusKey = "";
  /** Backend id → epoch ms its ejection ends, from the proxy's "ejection" log records. */
  private readonly ejections = new Map<string, number>();

  constructor(private readonly options: ViewOptions) {
    const color = options.mode === "tty" ? true : options.io.color;
    this.paint = ansiPaint(color && options.mode !== "json");
  }

  /** Start refreshing the live numbers from the running topology. */
  attach(source: LiveSource): void {
    const interval = this.options.intervalMs ?? (this.options.mode === "tty" ? 1_000 : 5_000);
    const tick = async () => {
      // Replicas come and go with spec edits: the header follows.
      if (this.screen?.open) this.screen.setHeader(eventLines({ event: "ready", ...source.summary() }, this.paint, this.options.formatDiagnostics));
      const current = await source.scrape();
      if (current) {
        const stats = computeStats(source.routes(), current, this.previous);
        this.previous = current;
        this.onStats(stats, source.backendNames());
      }
      this.timer = setTimeout(() => void tick(), interval);
      this.timer.unref();
    };
    this.timer = setTimeout(() => void tick(), Math.min(interval, 1_000));
    this.timer.unref();
  }

  /** Show a transient message (key feedback) the way events are shown. */
  message(text: string): void {
    this.onEvent({ event: "notice", message: text });
  }

  close(): void {
    clearTimeout(this.timer);
    if (this.screen?.open) this.screen.close().forEach((l) => this.options.io.err(l));
  }

  private onEvent(e: DevEvent): void {
    if (e.event === "log") this.noteEjection(e.line);
    if (this.options.mode === "json") {
      // The spec text is for code frames, not an event field.
      const data = e.event === "spec-invalid" ? { ...e, specText: undefined } : e;
      this.options.io.out(JSON.stringify({ time: new Date().toISOString(), ...data }));
      return;
    }
    const lines = eventLines(e, this.paint, this.options.formatDiagnostics);
    if (e.event === "ready" && this.options.mode === "tty" && this.options.terminal && !this.screen) {
      this.screen = new TtyScreen(this.options.terminal, this.paint);
    }
    if (this.screen?.open && e.event !== "stopping" && e.event !== "stopped") {
      if (e.event === "ready") this.screen.setHeader(lines);
      // An invalid edit stays in view, whole, until a valid one is applied.
      else if (e.event === "spec-invalid") this.screen.setProblem(lines);
      else {
        if (e.event === "reloaded") this.screen.setProblem([]);
        lines.forEach((l) => this.screen!.log(l));
      }
      return;
    }
    // Leaving the live screen: what happened last stays readable in the terminal.
    if (this.screen?.open) this.screen.close().forEach((l) => this.options.io.err(l));
    for (const line of lines) this.options.io.err(line);
  }

  /** The metrics say only "not usable"; the proxy's ejection log says why and until when. */
  private noteEjection(line: string): void {
    if (!line.includes('"ejection"')) return;
    try {
      const record = JSON.parse(line) as { event?: unknown; backend?: unknown; until?: unknown };
      const until = typeof record.until === "string" ? Date.parse(record.until) : NaN;
      if (record.event === "ejection" && typeof record.backend === "string" && Number.isFinite(until)) this.ejections.set(record.backend, until);
    } catch {
      // not a proxy record
    }
  }

  private onStats(measured: LiveStats, names: Map<string, string>): void {
    const stats = { ...measured, rows: measured.rows.map((r) => (this.ejections.has(r.backend) ? { ...r, ejectedUntil: this.ejections.get(r.backend)! } : r)) };
    if (this.screen?.open) return this.screen.setStats(stats, names);
    // Plain and JSON: only when something moved, so an idle run stays quiet.
    const key = JSON.stringify([stats.rows.map((r) => [r.total, r.healthy]), stats.caches.map((c) => c.requests)]);
    if (key === this.lastStatusKey) return;
    this.lastStatusKey = key;
    if (this.options.mode === "json") return this.options.io.out(JSON.stringify({ time: new Date().toISOString(), event: "status", stats }));
    const line = statusLine(stats, names);
    if (line) this.options.io.err(line);
  }
}
