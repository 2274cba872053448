/** `edgeform validate` through runCli: output formats and exit codes. */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { runCli } from "../../src/cli/main.js";
import { ErrorCodes } from "../../src/errors.js";
import { captureIo } from "./cli-io.js";

const root = new URL("../../../", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "edgeform-cli-validate-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const BROKEN = `# é — a non-ASCII comment so byte offsets differ from character offsets
version: 1
name: shop
fleets:
  api:
    image: ghcr.io/acme/api:1.0.0
    port: 8080
edge:
  listeners:
    - { name: web, protocol: http, port: 8080 }
  routes:
    - match: { pathPrefix: / }
      fleeet: api
targets:
  local: { provider: docker, publishPort: 80 }
`;
writeFileSync(join(dir, "broken.yaml"), BROKEN);

async function run(args: string[], options: { color?: boolean; cwd?: string } = {}) {
  const c = captureIo(options.cwd ?? root, options);
  const code = await runCli(args, c.io);
  return { code, stdout: c.stdout(), stderr: c.stderr() };
}

test("a valid spec exits 0 and says so", async () => {
  const r = await run(["validate", "examples/quickstart.yaml"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /examples\/quickstart\.yaml is valid/);
});

test("an invalid spec exits 1 with file:line:col, code, code frame and fix", async () => {
  const r = await run(["validate", "broken.yaml"], { cwd: dir });
  assert.equal(r.code, 1);
  assert.match(r.stdout, /^broken\.yaml:13:7 error EF_SPEC_SCHEMA_UNKNOWN_KEY "fleeet" is not a known key in edge\.routes\[0\]$/m);
  assert.match(r.stdout, /^ {2}> 13 \| {7}fleeet: api$/m);
  assert.match(r.stdout, /^ {7}\| {7}\^{6}$/m);
  assert.match(r.stdout, /^ {2}fix: did you mean "fleet"\?$/m);
  assert.match(r.stdout, /broken\.yaml:15:\d+ warning EF_SPEC_DOCKER_PORT/);
  assert.match(r.stdout, /✖ 2 errors and 1 warning$/m);
  assert.doesNotMatch(r.stdout, /\x1b\[/, "no colors without io.color");
});

test("colors appear only when the Io allows them", async () => {
  const r = await run(["validate", "broken.yaml"], { cwd: dir, color: true });
  assert.match(r.stdout, /\x1b\[31merror\x1b\[0m/);
});

test("several files: every one is checked, exit 1 if any is invalid", async () => {
  const r = await run(["validate", join(root, "examples/quickstart.yaml"), "broken.yaml"], { cwd: dir });
  assert.equal(r.code, 1);
  assert.match(r.stdout, /quickstart\.yaml is valid/);
  assert.match(r.stdout, /in 1 of 2 files/);
});

test("a missing file is reported as EF_SPEC_IO and exits 1", async () => {
  const r = await run(["validate", "nope.yaml"], { cwd: dir });
  assert.equal(r.code, 1);
  assert.match(r.stdout, /^nope\.yaml error EF_SPEC_IO cannot read nope\.yaml: no such file/m);
});

test("--format json follows terraform validate -json", async () => {
  const r = await run(["validate", "broken.yaml", "--format", "json"], { cwd: dir });
  assert.equal(r.code, 1);
  const doc = JSON.parse(r.stdout);
  assert.equal(doc.format_version, "1.0");
  assert.equal(doc.valid, false);
  assert.equal(doc.error_count, 2);
  assert.equal(doc.warning_count, 1);
  assert.deepEqual(doc.files, [{ filename: "broken.yaml", valid: false, error_count: 2, warning_count: 1 }]);
  const d = doc.diagnostics.find((x: { code: string }) => x.code === "EF_SPEC_SCHEMA_UNKNOWN_KEY");
  assert.deepEqual(Object.keys(d).sort(), ["address", "code", "detail", "path", "range", "severity", "snippet", "suggestion", "summary"]);
  assert.equal(d.severity, "error");
  assert.equal(d.summary, '"fleeet" is not a known key in edge.routes[0]');
  assert.equal(d.detail, 'A key that the schema does not know. Fix: did you mean "fleet"?');
  assert.equal(d.path, "/edge/routes/0/fleeet");
  assert.equal(d.address, "edge.routes[0].fleeet");
  assert.equal(d.range.filename, "broken.yaml");
  const charOffset = BROKEN.indexOf("fleeet");
  assert.deepEqual(d.range.start, { line: 13, column: 7, byte: Buffer.byteLength(BROKEN.slice(0, charOffset)) });
  assert.equal(d.range.start.byte, charOffset + 3, "é is two bytes in UTF-8 and — three");
  assert.deepEqual(d.range.end, { line: 13, column: 13, byte: d.range.start.byte + 6 });
  assert.deepEqual(d.snippet, { context: "edge.routes[0]", code: "      fleeet: api", start_line: 13, highlight_start_offset: 6, highlight_end_offset: 12, values: [] });
});

test("--format json for a valid spec", async () => {
  const r = await run(["validate", "examples/quickstart.yaml", "-f", "json"]);
  assert.equal(r.code, 0);
  assert.deepEqual(JSON.parse(r.stdout), {
    format_version: "1.0", valid: true, error_count: 0, warning_count: 0,
    files: [{ filename: "examples/quickstart.yaml", valid: true, error_count: 0, warning_count: 0 }], diagnostics: [],
  });
});

test("--format sarif is SARIF 2.1.0 with the error catalogue as rules", async () => {
  const r = await run(["validate", "broken.yaml", "--format", "sarif"], { cwd: dir });
  assert.equal(r.code, 1);
  const sarif = JSON.parse(r.stdout);
  assert.equal(sarif.version, "2.1.0");
  assert.match(sarif.$schema, /sarif-2\.1\.0/);
  assert.equal(sarif.runs.length, 1);
  const run0 = sarif.runs[0];
  assert.equal(run0.tool.driver.name, "edgeform");
  const ruleIds: string[] = run0.tool.driver.rules.map((x: { id: string }) => x.id);
  for (const code of Object.keys(ErrorCodes).filter((c) => c.startsWith("EF_SPEC_"))) assert.ok(ruleIds.includes(code), `rule ${code}`);
  for (const rule of run0.tool.driver.rules) assert.equal(rule.shortDescription.text, ErrorCodes[rule.id as keyof typeof ErrorCodes]);
  assert.deepEqual(run0.artifacts, [{ location: { uri: "broken.yaml" } }]);
  assert.equal(run0.results.length, 3);
  for (const res of run0.results) {
    assert.equal(ruleIds[res.ruleIndex], res.ruleId);
    assert.ok(res.level === "error" || res.level === "warning");
    assert.equal(res.locations[0].physicalLocation.artifactLocation.uri, "broken.yaml");
  }
  const typo = run0.results.find((x: { ruleId: string }) => x.ruleId === "EF_SPEC_SCHEMA_UNKNOWN_KEY");
  assert.deepEqual(
    { ...typo.locations[0].physicalLocation.region, snippet: undefined, charOffset: undefined },
    { startLine: 13, startColumn: 7, endLine: 13, endColumn: 13, charLength: 6, snippet: undefined, charOffset: undefined },
  );
  assert.equal(typo.locations[0].physicalLocation.region.snippet.text, "      fleeet: api");
  assert.equal(typo.locations[0].logicalLocations[0].fullyQualifiedName, "edge.routes[0].fleeet");
  assert.match(typo.message.text, /did you mean "fleet"/);
});

test("usage errors exit 2", async () => {
  const bad = await run(["validate", "examples/quickstart.yaml", "--format", "xml"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--format must be one of text, json, sarif/);
  assert.equal((await run(["validate"])).code, 2, "no files");
  assert.equal((await run(["validate", "examples/quickstart.yaml", "--frobnicate"])).code, 2, "unknown option");
});

test("an unexpected failure exits 3 and asks for a bug report", async () => {
  const c = captureIo(root);
  c.io.out = () => {
    throw new TypeError("stdout exploded");
  };
  const code = await runCli(["validate", "examples/quickstart.yaml"], c.io);
  assert.equal(code, 3);
  assert.match(c.stderr(), /EF_INTERNAL/);
});

test("--help teaches with examples and exits 0", async () => {
  const r = await run(["validate", "--help"]);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /Examples:/);
  assert.match(r.stdout, /--format sarif/);
});
