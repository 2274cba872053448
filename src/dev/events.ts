/**
 * What `edgeform dev` reports while it runs. The runner emits these; the view
 * renders them as a live terminal view, plain log lines, or JSON lines
 * (`--format json`, one object per line with an `event` field).
 */
import type { Diagnostic } from "../spec/diagnostics.js";
import type { LiveStats } from "./stats.js";

export type ProcessRole = "replica" | "proxy" | "redis" | "prometheus" | "alertmanager";

export type DevEvent =
  | { event: "starting"; name: string; spec: string; stateDir: string }
  | { event: "notice"; message: string }
  | { event: "warning"; message: string }
  /** `specText` is the spec itself, for code frames; JSON output leaves it out. */
  | { event: "spec-invalid"; file: string; diagnostics: Diagnostic[]; kept: boolean; specText?: string }
  | { event: "error"; code: string; message: string; hint?: string }
  | { event: "process-started"; name: string; role: ProcessRole; pid: number; port?: number; fleet?: string; replica?: number }
  /** `expected`: dev stopped it (spec edit, restart key); otherwise it crashed or quit on its own. */
  | { event: "process-exited"; name: string; role: ProcessRole; pid: number; code: number | null; signal: string | null; expected: boolean; restartInMs?: number }
  | { event: "log"; source: string; stream: "stdout" | "stderr"; line: string }
  /** `examples`: curl lines for the spec's own routes; `purge`: a purge that works as printed. */
  | { event: "ready"; name: string; listeners: Array<{ name: string; protocol: string; port: number; url: string }>; admin: string; examples: string[]; purge?: string; replicas: Array<{ name: string; port: number; pid?: number }>; redis: Array<{ cache: string; port: number }>; prometheus?: string; alertmanager?: string; pids: number[] }
  | { event: "reloaded"; started: string[]; stopped: string[]; pids: number[] }
  | { event: "purged"; status: number; detail: string }
  | { event: "status"; stats: LiveStats }
  | { event: "stopping"; reason: string }
  | { event: "stopped" };

export type Report = (e: DevEvent) => void;
