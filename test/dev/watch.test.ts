import assert from "node:assert/strict";
import { mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { watchFile } from "../../src/dev/watch.js";

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("watchFile: a burst of saves is one change, an unchanged save none, a rename-over save one", async () => {
  const dir = mkdtempSync(join(tmpdir(), "edgeform-watch-"));
  const file = join(dir, "spec.yaml");
  writeFileSync(file, "a: 1\n");
  writeFileSync(join(dir, "other.yaml"), "x");
  let changes = 0;
  const watcher = watchFile(file, () => changes++, 100);
  try {
    await pause(150);
    writeFileSync(file, "a: 1\n");
    writeFileSync(join(dir, "other.yaml"), "y");
    await pause(400);
    assert.equal(changes, 0, "same content, or another file: nothing to apply");

    writeFileSync(file, "a: 2\n");
    writeFileSync(file, "a: 3\n");
    writeFileSync(file, "a: 4\n");
    await pause(400);
    assert.equal(changes, 1, "debounced into one change");

    // How vim and many editors save: write a new file, rename it over the old one.
    writeFileSync(join(dir, ".spec.yaml.swp"), "a: 5\n");
    renameSync(join(dir, ".spec.yaml.swp"), file);
    await pause(400);
    assert.equal(changes, 2);
  } finally {
    watcher.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
