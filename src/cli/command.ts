import type { Command } from "commander";
import type { Io } from "./io.js";

/**
 * A CLI command module: registers itself on the program. Its action returns
 * an exit code (see ExitCode); only the entry point exits the process.
 */
export interface CommandModule {
  register(program: Command, io: Io, setExit: (code: number) => void): void;
}

/** Parse a --format option against the allowed values, or throw a usage error. */
export function formatOption<T extends string>(value: string | undefined, allowed: readonly T[], fallback: T): T {
  const v = (value ?? fallback) as T;
  if (!allowed.includes(v)) {
    throw new UsageError(`--format must be one of ${allowed.join(", ")}, got "${value}"`);
  }
  return v;
}

/** A bad command line: the entry point prints it with usage help and exits 2. */
export class UsageError extends Error {
  override name = "UsageError";
}
