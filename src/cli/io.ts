/**
 * Where CLI output goes: data on stdout, progress and logs on stderr; colors
 * only on a TTY and never with NO_COLOR. Commands receive an Io so tests can
 * capture output without spawning processes.
 */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** Whether stderr may use ANSI colors. */
  color: boolean;
  /** Whether stdout is an interactive terminal. */
  isTTY: boolean;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** The script node runs (bin/edgeform.js), to tell how the user started us (see invocation.ts). */
  script?: string;
}

export function processIo(): Io {
  const noColor = process.env["NO_COLOR"] !== undefined && process.env["NO_COLOR"] !== "";
  return {
    out: (t) => void process.stdout.write(t.endsWith("\n") ? t : t + "\n"),
    err: (t) => void process.stderr.write(t.endsWith("\n") ? t : t + "\n"),
    color: !noColor && process.stderr.isTTY === true && process.env["TERM"] !== "dumb",
    isTTY: process.stdout.isTTY === true,
    cwd: process.cwd(),
    env: process.env,
    ...(process.argv[1] !== undefined ? { script: process.argv[1] } : {}),
  };
}

const codes = { red: 31, yellow: 33, green: 32, cyan: 36, dim: 2, bold: 1 } as const;
export type Color = keyof typeof codes;

export function paint(io: Pick<Io, "color">, color: Color, text: string): string {
  return io.color ? `\x1b[${codes[color]}m${text}\x1b[0m` : text;
}
