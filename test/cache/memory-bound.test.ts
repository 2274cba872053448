/**
 * Issue #11, defect 3: the memory tier's byte bound must hold for the heap.
 * Each load runs in a child process with --expose-gc so the live heap can be
 * measured after full collections; the cache must hold no more live memory
 * than its bound allows (with a margin for V8's own bookkeeping).
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { promisify } from "node:util";

const run = promisify(execFile);
const child = fileURLToPath(new URL("./fixtures/memory-bound-load.js", import.meta.url));
const MAX_BYTES = 8 * 1024 * 1024;
/** V8 rounds allocations and keeps some of its own; the estimate may be this far under the truth. */
const MARGIN = 1.25;

interface Measured {
  maxBytes: number;
  accounted: number;
  entries: number;
  retained: number;
}

async function measure(shape: "vary" | "urls", requests: number): Promise<Measured> {
  const { stdout } = await run(process.execPath, ["--expose-gc", child, String(MAX_BYTES), String(requests), shape], { timeout: 120_000 });
  return JSON.parse(stdout) as Measured;
}

for (const shape of ["vary", "urls"] as const) {
  test(`memory tier: a ${shape === "vary" ? "Vary-heavy" : "many-URL"} load holds no more live heap than the byte bound`, async () => {
    const m = await measure(shape, 12_000);
    // The load offers several times the bound, so eviction must have run for the check to mean anything.
    assert.ok(m.accounted > MAX_BYTES * 0.9, `the cache filled up to its bound (accounted ${m.accounted})`);
    assert.ok(m.entries < 12_000, "entries were evicted");
    assert.ok(m.retained <= MAX_BYTES * MARGIN, `live heap held by the cache: ${(m.retained / 1048576).toFixed(1)} MiB for a ${MAX_BYTES / 1048576} MiB bound (${m.entries} entries)`);
  });
}
