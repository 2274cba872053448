/**
 * The test reporter's summary line is what CI reads: a test that did not run
 * (skipped, todo, a test file without tests, a file that crashed loading)
 * must never be counted as passed.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";

const reporter = fileURLToPath(new URL("./reporter.js", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "edgeform-reporter-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function fixture(name: string, source: string): string {
  const file = join(dir, name);
  writeFileSync(file, `import { test } from "node:test";\n${source}\n`);
  return file;
}

/** Runs node --test on `files` with the reporter, as a run of its own (not a subtest of this one). */
function summary(files: string[], extra: { args?: string[]; filter?: string } = {}): { line: string; output: string } {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env["NODE_TEST_CONTEXT"];
  delete env["EDGEFORM_TEST_FILTER"];
  if (extra.filter !== undefined) env["EDGEFORM_TEST_FILTER"] = extra.filter;
  const r = spawnSync(process.execPath, ["--test", `--test-reporter=${reporter}`, ...(extra.args ?? []), ...files], { env, encoding: "utf8", timeout: 60_000 });
  const output = `${r.stdout}${r.stderr}`;
  const line = output.trim().split("\n").at(-1) ?? "";
  return { line, output };
}

test("passing tests count as passed; skipped and todo tests count as failed and are named", () => {
  const file = fixture("mixed.test.mjs", `test("runs", () => {});\ntest("skipped", { skip: true }, () => {});\ntest("later", { todo: true }, () => {});`);
  const { line, output } = summary([file]);
  assert.equal(line, "1 passed, 2 failed");
  assert.match(output, /not run \(counted as failed\): skipped, later/);
});

test("a test file without tests, or one that throws while loading, counts as failed", () => {
  const empty = fixture("empty.test.mjs", "");
  const broken = fixture("broken.test.mjs", `throw new Error("cannot load");`);
  assert.equal(summary([empty]).line, "0 passed, 1 failed");
  assert.equal(summary([broken]).line, "0 passed, 1 failed");
});

test("with EDGEFORM_TEST_FILTER, files whose tests all filtered out count as neither", () => {
  const a = fixture("a.test.mjs", `test("wanted one", () => {});`);
  const b = fixture("b.test.mjs", `test("other", () => {});`);
  assert.equal(summary([a, b], { args: ["--test-name-pattern=wanted"], filter: "wanted" }).line, "1 passed, 0 failed");
});
