/**
 * The safety net of `edgeform dev`: a small process started detached, with a
 * pipe from dev on its stdin. Dev writes `+<pgid>` and `-<pgid>` lines as the
 * process groups it starts come and go, and `done` once it has stopped them
 * itself. If the pipe closes without `done` — dev was SIGKILLed, or died too
 * hard to clean up — this stops every group still listed and removes dev's
 * state directory, so nothing dev started outlives it.
 *
 * usage: node dist/src/dev/reaper-main.js <state-dir>
 */
import { rmSync } from "node:fs";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";

const GRACE_MS = 3_000;
const stateDir = process.argv[2];
const groups = new Set<number>();
let done = false;

createInterface({ input: process.stdin })
  .on("line", (line) => {
    if (line === "done") done = true;
    else if (/^[+-]\d+$/.test(line)) {
      const pgid = Number(line.slice(1));
      if (line.startsWith("+")) groups.add(pgid);
      else groups.delete(pgid);
    }
  })
  .on("close", () => void (done ? process.exit(0) : reap()));

async function reap(): Promise<void> {
  signalAll("SIGTERM");
  await sleep(GRACE_MS);
  signalAll("SIGKILL");
  if (stateDir && /edgeform-dev-/.test(stateDir)) rmSync(stateDir, { recursive: true, force: true });
  process.exit(0);
}

function signalAll(signal: NodeJS.Signals): void {
  for (const pgid of groups) {
    try {
      process.kill(-pgid, signal);
    } catch {
      // already gone
    }
  }
}
