/**
 * Failures the Pulumi engine reports through the Automation API
 * (CommandError: a cloud quota, a provider error, a conflicting update) are
 * the engine's to explain: they become EF_PULUMI_ENGINE (exit 1) carrying the
 * engine's own words, not an internal edgeform bug with a stack trace.
 */
import { EdgeformError } from "../errors.js";

/** What the engine printed on stderr, without the Automation API's own framing. */
export function engineMessage(err: Error): string {
  const result = (err as { commandResult?: { stderr?: unknown } }).commandResult;
  const stderr = typeof result?.stderr === "string" && result.stderr.trim() !== "" ? result.stderr : err.message;
  return stderr
    .split("\n")
    .filter((line) => !/^Command failed with exit code \d+: pulumi /.test(line))
    .join("\n")
    .trim();
}

export function engineFailure(err: unknown, commandError: abstract new (...args: never[]) => Error, action: string, stack: string): unknown {
  if (!(err instanceof commandError)) return err;
  return new EdgeformError("EF_PULUMI_ENGINE", `pulumi ${action} of stack ${stack} failed:\n${engineMessage(err)}`, {
    hint: "the lines above are the Pulumi engine's; fix what they name, then run the command again (resources already changed stay recorded in the stack's state)",
    cause: err,
  });
}
