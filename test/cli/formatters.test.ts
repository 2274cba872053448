/** The diagnostic formatters are pure functions of reports; these pin their edge cases. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { jsonDiagnostic } from "../../src/cli/format/json.js";
import { artifactUri, sarifReport } from "../../src/cli/format/sarif.js";
import { formatText } from "../../src/cli/format/text.js";
import type { Diagnostic } from "../../src/spec/diagnostics.js";

const io: Diagnostic = { code: "EF_SPEC_IO", severity: "error", message: "cannot read x.yaml: no such file", path: "", file: "x.yaml" };
const warning: Diagnostic = {
  code: "EF_SPEC_DOCKER_PORT", severity: "warning", message: "publishing port 80 needs root", path: "/targets/local/publishPort", file: "w.yaml",
  range: { start: { line: 1, col: 10, offset: 9 }, end: { line: 1, col: 12, offset: 11 } }, suggestion: "use 8080",
};

test("text: a diagnostic without a range is one line, without a code frame", () => {
  assert.equal(formatText([{ file: "x.yaml", source: "", diagnostics: [io] }]), "x.yaml error EF_SPEC_IO cannot read x.yaml: no such file\n\n✖ 1 error");
});

test("text: valid files are listed when asked, with their warning count", () => {
  const text = formatText([{ file: "w.yaml", source: "publish: 80\n", diagnostics: [warning] }], { showValid: true });
  assert.match(text, /^w\.yaml:1:10 warning EF_SPEC_DOCKER_PORT publishing port 80 needs root$/m);
  assert.match(text, /^ {2}fix: use 8080$/m);
  assert.match(text, /✔ w\.yaml is valid \(1 warning\)$/);
  assert.doesNotMatch(text, /✖/);
});

test("text: paint wraps severity, location and carets", () => {
  const text = formatText([{ file: "w.yaml", source: "publish: 80\n", diagnostics: [warning] }], { paint: (c, t) => `<${c}>${t}</>` });
  assert.match(text, /<bold>w\.yaml:1:10<\/> <yellow>warning<\/> <dim>EF_SPEC_DOCKER_PORT<\/>/);
  assert.match(text, /<yellow>\^\^<\/>/);
  assert.match(text, /<green>fix:<\/>/);
});

test("json: no range means no range and no snippet; the detail explains the code", () => {
  const d = jsonDiagnostic(io, "");
  assert.equal(d.range, undefined);
  assert.equal(d.snippet, undefined);
  assert.equal(d.detail, "The spec file could not be read.");
  assert.equal(d.address, "");
});

test("json: a range over several lines gives a snippet of those lines, highlighted to the end column", () => {
  const source = "a:\n  b: [1,\n    2]\n";
  const d = jsonDiagnostic({ ...warning, path: "/a/b", range: { start: { line: 2, col: 6, offset: 8 }, end: { line: 3, col: 7, offset: 17 } } }, source);
  assert.equal(d.snippet?.code, "  b: [1,\n    2]");
  assert.equal(d.snippet?.start_line, 2);
  assert.equal(d.snippet?.context, "a");
  assert.equal(d.snippet?.highlight_start_offset, 5);
  assert.equal(d.snippet?.highlight_end_offset, 15);
});

test("sarif: artifact URIs stay relative (encoded) or become file:// URIs when absolute", () => {
  assert.equal(artifactUri("examples/my spec.yaml"), "examples/my%20spec.yaml");
  assert.equal(artifactUri("/srv/specs/a.yaml"), "file:///srv/specs/a.yaml");
  const sarif = sarifReport([{ file: "x.yaml", source: "", diagnostics: [io] }], { toolVersion: "1.2.3" }) as {
    runs: Array<{ tool: { driver: { version: string } }; results: Array<{ locations: Array<{ physicalLocation: Record<string, unknown> }> }> }>;
  };
  assert.equal(sarif.runs[0]!.tool.driver.version, "1.2.3");
  assert.deepEqual(sarif.runs[0]!.results[0]!.locations[0]!.physicalLocation, { artifactLocation: { uri: "x.yaml", index: 0 } });
});
