/**
 * Servers a test process starts as children (redis-server, pebble, proxy
 * processes): stopped by PID when a test is done with them, and killed with
 * the test process if it exits first, so a crashed run leaves none behind.
 */
import type { ChildProcess } from "node:child_process";

const owned = new Set<ChildProcess>();
process.once("exit", () => {
  for (const c of owned) c.kill("SIGKILL");
});

/** Takes `child` into the set the exit hook kills. */
export function ownChild<T extends ChildProcess>(child: T): T {
  owned.add(child);
  child.once("exit", () => owned.delete(child));
  return child;
}

/** Whether `child` is still running. */
export function running(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** Sends `signal` (SIGKILL after `graceMs` if it is still there) and waits for the exit. */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals = "SIGTERM", graceMs = 3000): Promise<void> {
  if (!running(child)) return;
  const gone = new Promise<void>((r) => child.once("exit", () => r()));
  // A paused child (SIGSTOP in a test) must run to act on the signal.
  child.kill("SIGCONT");
  child.kill(signal);
  const timer = signal === "SIGKILL" ? undefined : setTimeout(() => child.kill("SIGKILL"), graceMs);
  await gone;
  clearTimeout(timer);
}
