/**
 * One process started by `edgeform dev`: spawned in its own process group (so
 * everything it forks can be stopped together), output split into lines,
 * restarted with backoff when it crashes, stopped with SIGTERM and then
 * SIGKILL after a grace period.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import type { ProcessRole } from "./events.js";

export interface ProcessSpec {
  /** Display name used as the output prefix, e.g. "web-0", "edge", "redis". */
  name: string;
  /** A shell command line, or an argv run without a shell. */
  command: string | { file: string; args: string[] };
  cwd: string;
  env: Record<string, string | undefined>;
  /** Restart when it exits without being asked to. */
  restart: boolean;
  /**
   * Who gets the first SIGTERM: the whole group (shell-wrapped commands, whose
   * shell may not forward signals), or only the leader (a process that shuts
   * its own workers down gracefully, like the proxy).
   */
  terminate: "group" | "leader";
}

export interface ExitInfo {
  pid: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  expected: boolean;
  restartInMs?: number;
}

export interface ProcessHooks {
  output(name: string, stream: "stdout" | "stderr", line: string): void;
  started(name: string, pid: number): void;
  /** `expected`: it was asked to stop (stop/restart), not a crash. */
  exited(name: string, info: ExitInfo): void;
  /** Nothing is left in the process group it led (its id may be reused from now on). */
  groupGone?(name: string, pgid: number): void;
}

/** Backoff before restart n (1-based): 0.5s, 1s, 2s … capped at 15s. */
export function restartDelayMs(consecutiveCrashes: number): number {
  return Math.min(500 * 2 ** Math.max(0, consecutiveCrashes - 1), 15_000);
}

/** A process that stayed up this long is considered healthy again: backoff resets. */
const STABLE_AFTER_MS = 10_000;
const TAIL_LINES = 30;

export class SupervisedProcess {
  private child: ChildProcess | undefined;
  private stopping = false;
  private crashes = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private exitWaiters: Array<() => void> = [];
  private readonly recent: string[] = [];
  private exits = 0;

  constructor(
    readonly spec: ProcessSpec,
    private readonly hooks: ProcessHooks,
  ) {}

  get pid(): number | undefined {
    return this.child?.exitCode === null && this.child.signalCode === null ? this.child.pid : undefined;
  }

  get running(): boolean {
    return this.pid !== undefined;
  }

  /** How many times it has exited (crashed or stopped) since it was created. */
  get exitCount(): number {
    return this.exits;
  }

  /** The last lines it printed, for error messages. */
  tail(): string[] {
    return [...this.recent];
  }

  start(): void {
    this.stopping = false;
    this.spawnOnce();
  }

  /** Send a signal to the leader only (e.g. SIGHUP to reload). */
  signal(sig: NodeJS.Signals): boolean {
    const pid = this.pid;
    if (pid === undefined) return false;
    try {
      process.kill(pid, sig);
      return true;
    } catch {
      return false;
    }
  }

  /** Stop for good: SIGTERM, then SIGKILL to the whole group after graceMs. */
  async stop(graceMs = 5_000): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    const child = this.child;
    if (!child?.pid) return;
    const pgid = child.pid;
    if (this.running) {
      if (this.spec.terminate === "group") killGroup(pgid, "SIGTERM");
      else this.signal("SIGTERM");
    }
    const deadline = Date.now() + graceMs;
    await this.waitForExit(graceMs);
    // The leader may be gone while something it forked lingers in the group.
    if (this.spec.terminate === "leader" && groupAlive(pgid)) killGroup(pgid, "SIGTERM");
    while (groupAlive(pgid) && Date.now() < deadline) await sleep(50);
    if (this.running || groupAlive(pgid)) {
      killGroup(pgid, "SIGKILL");
      await this.waitForExit(2_000);
      for (let i = 0; i < 40 && groupAlive(pgid); i++) await sleep(50);
    }
    if (!groupAlive(pgid)) this.hooks.groupGone?.(this.spec.name, pgid);
  }

  /** Stop, then start again (keeps restart-on-crash). */
  async restart(graceMs = 5_000): Promise<void> {
    await this.stop(graceMs);
    this.crashes = 0;
    this.start();
  }

  private waitForExit(timeoutMs: number): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.exitWaiters.push(done);
    });
  }

  private spawnOnce(): void {
    const { command, cwd, env } = this.spec;
    const options = { cwd, env, detached: true, stdio: ["ignore", "pipe", "pipe"] as ["ignore", "pipe", "pipe"] };
    const child = typeof command === "string" ? spawn(command, { ...options, shell: true }) : spawn(command.file, command.args, options);
    this.child = child;
    const startedAt = Date.now();
    for (const stream of ["stdout", "stderr"] as const) {
      const lines = createInterface({ input: child[stream], crlfDelay: Infinity });
      lines.on("line", (line) => {
        this.recent.push(line);
        if (this.recent.length > TAIL_LINES) this.recent.shift();
        this.hooks.output(this.spec.name, stream, line);
      });
    }
    child.once("error", (e) => {
      // spawn failures (ENOENT for argv commands) arrive here instead of "exit".
      this.recent.push(String(e.message));
      this.hooks.output(this.spec.name, "stderr", `could not start: ${e.message}`);
      if (child.exitCode === null && child.pid === undefined) this.onExit(child, startedAt, -1, null);
    });
    child.once("exit", (code, signal) => this.onExit(child, startedAt, code, signal));
    if (child.pid !== undefined) this.hooks.started(this.spec.name, child.pid);
  }

  private onExit(child: ChildProcess, startedAt: number, code: number | null, signal: NodeJS.Signals | null): void {
    if (child !== this.child) return;
    this.exits++;
    const waiters = this.exitWaiters;
    this.exitWaiters = [];
    waiters.forEach((w) => w());
    const info: ExitInfo = { pid: child.pid ?? -1, code, signal, expected: this.stopping };
    if (!this.stopping && this.spec.restart) {
      this.crashes = Date.now() - startedAt > STABLE_AFTER_MS ? 1 : this.crashes + 1;
      info.restartInMs = restartDelayMs(this.crashes);
      this.restartTimer = setTimeout(() => {
        // Whatever the crashed leader left in its group must not hold the port.
        if (child.pid) {
          killGroup(child.pid, "SIGKILL");
          this.hooks.groupGone?.(this.spec.name, child.pid);
        }
        if (!this.stopping) this.spawnOnce();
      }, info.restartInMs);
    }
    this.hooks.exited(this.spec.name, info);
  }
}

function killGroup(pgid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pgid, sig);
  } catch {
    // ESRCH: the group is already gone.
  }
}

/**
 * Whether any live process is left in the group. On Linux, zombies (already
 * dead, waiting for a parent that may never reap them, as under a container
 * init that does not) do not count; elsewhere kill(-pgid, 0) has to do.
 */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch {
    return false;
  }
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return true;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // "pid (comm) state ppid pgrp …": comm may contain spaces and parentheses.
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) === pgid && fields[0] !== "Z") return true;
    } catch {
      // exited while we looked
    }
  }
  return false;
}

/** How the runner's helpers start a process: the runner wires output and lifecycle into its events. */
export type Spawn = (role: ProcessRole, spec: ProcessSpec, extra?: { port?: number; fleet?: string; replica?: number }) => SupervisedProcess;
