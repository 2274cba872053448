/**
 * The CLI entry point: the one place that turns outcomes into exit codes.
 * 0 ok, 1 invalid input or failed run, 2 usage error, 3 internal error.
 */
import { CommanderError } from "commander";
import { ExitCode, isEdgeformError } from "../errors.js";
import { UsageError } from "./command.js";
import { invocationOf, localizeCommands } from "./invocation.js";
import { processIo, paint, type Io } from "./io.js";
import { buildProgram } from "./program.js";

export async function runCli(argv: string[], given: Io = processIo()): Promise<number> {
  const invocation = invocationOf(given);
  // Notes, fixes and suggestions name commands the way this user can run them.
  const io: Io = { ...given, out: (text) => given.out(localizeCommands(text, invocation)), err: (text) => given.err(localizeCommands(text, invocation)) };
  let exit: number = ExitCode.ok;
  const program = buildProgram(io, (code) => {
    exit = Math.max(exit, code);
  });
  try {
    await program.parseAsync(argv, { from: "user" });
    return exit;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === "commander.helpDisplayed" || e.code === "commander.version") return ExitCode.ok;
      // `edgeform` without a command printed the help to stderr: that is a usage error, not a success.
      if (e.code === "commander.help") return argv.length === 0 ? ExitCode.usage : ExitCode.ok;
      return ExitCode.usage;
    }
    if (e instanceof UsageError) {
      io.err(`${paint(io, "red", "error:")} ${e.message}\n(run with --help for usage)`);
      return ExitCode.usage;
    }
    if (isEdgeformError(e)) {
      io.err(`${paint(io, "red", "error")} ${e.code}: ${e.message}${e.hint ? `\n  fix: ${e.hint}` : ""}`);
      return e.code === "EF_PULUMI_CLI_MISSING" || e.code === "EF_PULUMI_CREDENTIALS" || e.code === "EF_CLI_USAGE" ? ExitCode.usage : ExitCode.invalid;
    }
    io.err(`${paint(io, "red", "internal error")} EF_INTERNAL: ${(e as Error)?.stack ?? String(e)}\nThis is a bug in edgeform; please report it with the command you ran.`);
    return ExitCode.internal;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await runCli(process.argv.slice(2));
}
