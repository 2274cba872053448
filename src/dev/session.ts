/**
 * One `edgeform dev` session: the runner, its view, the keys on a terminal,
 * and the guarantee that Ctrl-C, SIGTERM, `q` or an unexpected error stop
 * every process it started before the command returns.
 */
import { isEdgeformError } from "../errors.js";
import type { FormatDiagnostics } from "./format.js";
import { DevRunner } from "./runner.js";
import { DevView, type DevIo } from "./view.js";

export interface DevSessionOptions {
  /** Absolute path of the spec. */
  specFile: string;
  /** The spec as the user named it, for messages. */
  specName?: string;
  port?: number;
  /** How the user adds `--port <n>` where they are (e.g. "npm run dev -- --port"); "--port" by default. */
  portOption?: string;
  watch: boolean;
  format: "text" | "json";
  /** Draw the live view when the terminal allows it (`--no-tty` turns it off). */
  tty: boolean;
  io: DevIo & { isTTY: boolean; env: Readonly<Record<string, string | undefined>> };
  formatDiagnostics: FormatDiagnostics;
  /** The proxy entry point (tests); the built proxy by default. */
  proxyEntry?: string;
  /** Defaults: the process's own streams. */
  stdin?: NodeJS.ReadStream;
  stdout?: NodeJS.WriteStream;
}

const SIGNALS: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

/** Runs until stopped; resolves with the exit code (0 ok, 1 invalid spec, 3 internal error). */
export async function runDevSession(options: DevSessionOptions): Promise<number> {
  const stdin = options.stdin ?? process.stdin;
  const stdout = options.stdout ?? process.stdout;
  const live = options.format === "text" && options.tty && options.io.isTTY && stdout.isTTY === true;
  const view = new DevView({
    mode: options.format === "json" ? "json" : live ? "tty" : "plain",
    io: options.io,
    formatDiagnostics: options.formatDiagnostics,
    terminal: stdout,
  });
  const runner = new DevRunner({
    specFile: options.specFile,
    ...(options.specName !== undefined ? { specName: options.specName } : {}),
    ...(options.port !== undefined ? { port: options.port } : {}),
    ...(options.portOption !== undefined ? { portOption: options.portOption } : {}),
    ...(options.proxyEntry !== undefined ? { proxyEntry: options.proxyEntry } : {}),
    watch: options.watch,
    env: options.io.env,
    report: view.report,
  });

  let exitCode = 0;
  const onSignal = (signal: NodeJS.Signals) => void runner.stop(`received ${signal}`);
  // Whatever goes wrong inside, the processes we started must not outlive us.
  const onCrash = (e: unknown) => {
    // A reader that went away (`… --format json | head`) is an ordinary end.
    if ((e as NodeJS.ErrnoException)?.code === "EPIPE") return void runner.stop("output closed");
    // Reporting may fail the same way: report once.
    if (exitCode === 3) return;
    exitCode = 3;
    view.report({ event: "error", code: "EF_INTERNAL", message: `${(e as Error)?.stack ?? String(e)}\nThis is a bug in edgeform; please report it.` });
    void runner.stop("internal error");
  };
  SIGNALS.forEach((s) => process.on(s, onSignal));
  process.on("uncaughtException", onCrash);
  process.on("unhandledRejection", onCrash);
  const keys = live && stdin.isTTY ? listenForKeys(stdin, runner, view) : undefined;
  try {
    if (!(await runner.start())) return 1;
    if (runner.isStopping) {
      await runner.finished;
      return exitCode;
    }
    view.attach(runner);
    await runner.finished;
    return exitCode;
  } catch (e) {
    if (!isEdgeformError(e)) exitCode = 3;
    throw e;
  } finally {
    keys?.close();
    view.close();
    SIGNALS.forEach((s) => process.off(s, onSignal));
    process.off("uncaughtException", onCrash);
    process.off("unhandledRejection", onCrash);
  }
}

/** r: restart a replica (each press the next one), p: purge, q / Ctrl-C: quit. */
function listenForKeys(stdin: NodeJS.ReadStream, runner: DevRunner, view: DevView): { close(): void } {
  stdin.setRawMode(true);
  stdin.resume();
  stdin.setEncoding("utf8");
  const onData = (key: string) => {
    // In raw mode the terminal sends Ctrl-C as a byte instead of SIGINT.
    if (key === "q" || key === "\u0003" || key === "\u0004") return void runner.stop(key === "q" ? "q pressed" : "Ctrl-C");
    if (key === "r") {
      const name = runner.restartNextReplica();
      view.message(name ? `restarting ${name}…` : "no replica to restart (every fleet uses endpoints)");
    } else if (key === "p") {
      view.message("purging the cache…");
      void runner.purge();
    }
  };
  stdin.on("data", onData);
  return {
    close() {
      stdin.off("data", onData);
      if (stdin.isTTY) stdin.setRawMode(false);
      stdin.pause();
    },
  };
}
