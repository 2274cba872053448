/**
 * Watch one file for changes. Editors save by writing in place or by writing
 * a new file and renaming it over the old one, so the directory is watched and
 * events are filtered by name; bursts are debounced into one callback, and a
 * save that did not change the content is ignored.
 */
import { watch, type FSWatcher } from "node:fs";
import { readFile } from "node:fs/promises";
import { basename, dirname } from "node:path";

export function watchFile(file: string, onChange: () => void, debounceMs = 200): { close(): void } {
  const name = basename(file);
  let timer: NodeJS.Timeout | undefined;
  let last: string | undefined;
  let closed = false;
  void readFile(file, "utf8").then((t) => (last ??= t), () => undefined);
  const check = async () => {
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch {
      return; // mid-rename; the next event brings the new file
    }
    if (closed || text === last) return;
    last = text;
    onChange();
  };
  const watcher: FSWatcher = watch(dirname(file), { persistent: false }, (_event, changed) => {
    if (changed !== null && changed !== name) return;
    clearTimeout(timer);
    timer = setTimeout(() => void check(), debounceMs);
  });
  watcher.on("error", () => undefined);
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      watcher.close();
    },
  };
}
