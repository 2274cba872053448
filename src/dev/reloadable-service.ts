/**
 * A service dev runs from generated files (Prometheus, Alertmanager): started
 * once, told to re-read its files with SIGHUP when they change, stopped when
 * the plan no longer has it.
 */
import type { SupervisedProcess } from "./process.js";

export class ReloadableService {
  private proc: SupervisedProcess | undefined;
  private files = "";

  constructor(private readonly graceMs: number) {}

  get process(): SupervisedProcess | undefined {
    return this.proc;
  }

  /** `files`: everything the service reads, so a change of any of them reloads it. */
  run(files: string, start: () => SupervisedProcess): void {
    if (this.proc) {
      if (files !== this.files) this.proc.signal("SIGHUP");
    } else {
      this.proc = start();
    }
    this.files = files;
  }

  async stop(): Promise<void> {
    const proc = this.proc;
    this.proc = undefined;
    this.files = "";
    await proc?.stop(this.graceMs);
  }
}
