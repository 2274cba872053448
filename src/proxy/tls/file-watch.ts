/**
 * Following PEM files on disk: listener certificates and a fleet's CA and
 * client certificate are re-read when their files change. Polling
 * (fs.watchFile) survives the rename of an atomic replace, and a short
 * settle time lets a writer replace a certificate and then its key before
 * the pair is read.
 */
import { unwatchFile, watchFile } from "node:fs";

/** How often watched files are polled. */
const WATCH_INTERVAL_MS = 1000;
/** Writers replace a certificate and its key one after the other: wait for both. */
const RELOAD_SETTLE_MS = 300;

export class PemFileWatcher {
  private watched: string[] = [];
  private settle: NodeJS.Timeout | undefined;
  private readonly onFileChange = () => {
    if (this.settle !== undefined) clearTimeout(this.settle);
    this.settle = setTimeout(this.onChange, RELOAD_SETTLE_MS);
    this.settle.unref();
  };

  constructor(private readonly onChange: () => void) {}

  /** Watches exactly these files from now on. */
  follow(files: readonly string[]): void {
    for (const f of this.watched) if (!files.includes(f)) unwatchFile(f, this.onFileChange);
    for (const f of files) if (!this.watched.includes(f)) watchFile(f, { interval: WATCH_INTERVAL_MS, persistent: false }, this.onFileChange);
    this.watched = [...files];
  }

  close(): void {
    this.follow([]);
    if (this.settle !== undefined) clearTimeout(this.settle);
  }
}
