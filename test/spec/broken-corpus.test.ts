/**
 * The broken-spec corpus: every file under test/spec/broken/ starts with
 * comment lines saying what the validator must report:
 *
 *   # expect: EF_SPEC_UNKNOWN_FLEET at 12:14     (code at line:col; repeatable)
 *   # fix: EF_SPEC_UNKNOWN_FLEET did you mean     (text the suggestion contains)
 *   # message: EF_SPEC_UNKNOWN_FLEET "apii"       (text the message contains)
 *
 * Each file is one test: it must be invalid (or, for warning-only files,
 * carry the warning), and every expectation must be met by one diagnostic.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { ErrorCodes } from "../../src/errors.js";
import { validateTopology, type Diagnostic } from "../../src/spec/index.js";

const dir = new URL("../../../test/spec/broken/", import.meta.url).pathname;
const files = readdirSync(dir).filter((f) => f.endsWith(".yaml")).sort();

interface Expectations {
  at: Array<{ code: string; line: number; col: number }>;
  fix: Array<{ code: string; text: string }>;
  message: Array<{ code: string; text: string }>;
}

function expectationsOf(source: string): Expectations {
  const out: Expectations = { at: [], fix: [], message: [] };
  for (const line of source.split("\n")) {
    if (!line.startsWith("#")) break;
    let m = /^# expect: (EF_[A-Z_]+) at (\d+):(\d+)$/.exec(line);
    if (m) out.at.push({ code: m[1]!, line: Number(m[2]), col: Number(m[3]) });
    m = /^# (fix|message): (EF_[A-Z_]+) (.+)$/.exec(line);
    if (m) out[m[1] as "fix" | "message"].push({ code: m[2]!, text: m[3]! });
  }
  return out;
}

const show = (ds: Diagnostic[]) => ds.map((d) => `  ${d.range?.start.line}:${d.range?.start.col} ${d.severity} ${d.code} ${d.message}${d.suggestion ? ` (fix: ${d.suggestion})` : ""}`).join("\n");

test("the broken-spec corpus has at least 40 files, each with an expectation", () => {
  assert.ok(files.length >= 40, `only ${files.length} files`);
  for (const f of files) assert.ok(expectationsOf(readFileSync(join(dir, f), "utf8")).at.length > 0, `${f} has no "# expect:" line`);
});

test("the corpus covers every spec error code the validator can emit", () => {
  const covered = new Set(files.flatMap((f) => expectationsOf(readFileSync(join(dir, f), "utf8")).at.map((e) => e.code)));
  // Codes that no spec text can trigger: IO needs a missing file, UNKNOWN_TARGET comes from plan,
  // UNKNOWN_SECRET is reserved for secret declarations; TLS_NAME and TLS_EXPIRY need certificates
  // generated at test time (test/spec/tls.test.ts), since no private key is committed.
  const unreachable = new Set(["EF_SPEC_IO", "EF_SPEC_UNKNOWN_TARGET", "EF_SPEC_UNKNOWN_SECRET", "EF_SPEC_TLS_NAME", "EF_SPEC_TLS_EXPIRY"]);
  const missing = Object.keys(ErrorCodes).filter((c) => c.startsWith("EF_SPEC_") && !unreachable.has(c) && !covered.has(c));
  assert.deepEqual(missing, []);
});

for (const file of files) {
  test(`broken/${file}`, () => {
    const source = readFileSync(join(dir, file), "utf8");
    const want = expectationsOf(source);
    // `{ file }` references in the corpus are relative to the corpus directory.
    const result = validateTopology(source, { filename: file, dir });
    const ds = result.diagnostics;
    const onlyWarnings = want.at.every((e) => ds.some((d) => d.code === e.code && d.severity === "warning"));
    if (!onlyWarnings) assert.equal(result.ok, false, `expected ${file} to be invalid`);
    for (const d of ds) {
      assert.equal(d.file, file);
      assert.ok(d.range, `${d.code} has no source range`);
    }
    for (const e of want.at) {
      const hit = ds.find((d) => d.code === e.code && d.range?.start.line === e.line && d.range.start.col === e.col);
      assert.ok(hit, `expected ${e.code} at ${e.line}:${e.col}; got:\n${show(ds)}`);
    }
    for (const e of want.fix) {
      assert.ok(ds.some((d) => d.code === e.code && d.suggestion?.includes(e.text)), `expected a ${e.code} fix containing ${JSON.stringify(e.text)}; got:\n${show(ds)}`);
    }
    for (const e of want.message) {
      assert.ok(ds.some((d) => d.code === e.code && d.message.includes(e.text)), `expected a ${e.code} message containing ${JSON.stringify(e.text)}; got:\n${show(ds)}`);
    }
  });
}
