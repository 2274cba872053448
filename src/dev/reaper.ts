/**
 * Dev's side of the reaper (see reaper-main.ts): registers the process groups
 * dev starts, so they are stopped even if dev itself is killed.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

export class Reaper {
  private readonly child: ChildProcess;

  constructor(stateDir: string, node = process.execPath) {
    const main = fileURLToPath(new URL("./reaper-main.js", import.meta.url));
    // Its own session: a Ctrl-C or a closed terminal must not reach it before dev has cleaned up.
    this.child = spawn(node, [main, stateDir], { detached: true, stdio: ["pipe", "ignore", "ignore"] });
    this.child.on("error", () => undefined);
    this.child.stdin!.on("error", () => undefined);
    // Neither the process nor the pipe keeps dev alive.
    this.child.unref();
    (this.child.stdin as unknown as { unref?: () => void }).unref?.();
  }

  watch(pgid: number): void {
    this.write(`+${pgid}`);
  }

  forget(pgid: number): void {
    this.write(`-${pgid}`);
  }

  /** Dev stopped everything itself: the reaper exits without touching anything. */
  release(): void {
    this.write("done");
    this.child.stdin?.end();
  }

  private write(line: string): void {
    if (this.child.stdin?.writable) this.child.stdin.write(line + "\n");
  }
}
