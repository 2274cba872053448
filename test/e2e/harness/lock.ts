/**
 * One e2e run per machine at a time: runs share one Docker engine, fixed
 * container names and published ports, so a second run (another `npm test`
 * in parallel) waits here instead of colliding. A lock whose owner died is
 * taken over.
 */
import { closeSync, openSync, readFileSync, rmSync, statSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const LOCK_FILE = join(tmpdir(), "edgeform-e2e.lock");

export interface Lock {
  waitedMs: number;
  release(): void;
}

export async function acquireLock(timeoutMs: number, file = LOCK_FILE): Promise<Lock> {
  const started = Date.now();
  for (;;) {
    try {
      const fd = openSync(file, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      let released = false;
      return {
        waitedMs: Date.now() - started,
        release() {
          if (released) return;
          released = true;
          if (ownerOf(file) === process.pid) rmSync(file, { force: true });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    const owner = ownerOf(file);
    // An empty file may be a lock being written this instant: only an old one is abandoned.
    if (owner === undefined ? ageMs(file) > 5000 : !alive(owner)) {
      rmSync(file, { force: true });
      continue;
    }
    if (Date.now() - started > timeoutMs) {
      throw new Error(`another e2e run (pid ${owner}) has held ${file} for over ${timeoutMs} ms; wait for it or remove the file if that process is gone`);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

function ownerOf(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, "utf8").trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function ageMs(file: string): number {
  try {
    return Date.now() - statSync(file).mtimeMs;
  } catch {
    return Infinity;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
