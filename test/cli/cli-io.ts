/** A capturing Io for driving runCli in-process: no child processes, no TTY, no colors unless asked. */
import type { Io } from "../../src/cli/io.js";

export interface CapturedIo {
  io: Io;
  stdout(): string;
  stderr(): string;
}

export function captureIo(cwd: string, options: { color?: boolean } = {}): CapturedIo {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: {
      out: (t) => void out.push(t.endsWith("\n") ? t : t + "\n"),
      err: (t) => void err.push(t.endsWith("\n") ? t : t + "\n"),
      color: options.color ?? false,
      isTTY: false,
      cwd,
      env: {},
    },
    stdout: () => out.join(""),
    stderr: () => err.join(""),
  };
}
