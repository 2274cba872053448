import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { codeFrame, displayPath, fromPointer, location, normalizeDiagnostics, toPointer, type Diagnostic } from "../../src/spec/diagnostics.js";

const diag = (over: Partial<Diagnostic>): Diagnostic => ({ code: "EF_SPEC_SCHEMA", severity: "error", message: "m", path: "", file: "t.yaml", ...over });
const at = (line: number, col: number, offset: number) => ({ start: { line, col, offset }, end: { line, col: col + 1, offset: offset + 1 } });

test("JSON Pointers escape ~ and / and round-trip", () => {
  assert.equal(toPointer(["fleets", "a/b", "x~y", 0]), "/fleets/a~1b/x~0y/0");
  assert.deepEqual(fromPointer("/fleets/a~1b/x~0y/0"), ["fleets", "a/b", "x~y", 0]);
  assert.deepEqual(fromPointer(""), []);
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.string().filter((s) => !/^(0|[1-9][0-9]*)$/.test(s)), fc.nat())), (segments) => {
      assert.deepEqual(fromPointer(toPointer(segments)), segments);
    }),
  );
});

test("displayPath writes paths the way people read them", () => {
  assert.equal(displayPath("/edge/routes/0/fleet"), "edge.routes[0].fleet");
  assert.equal(displayPath(["fleets", "api", "healthCheck", "interval"]), "fleets.api.healthCheck.interval");
  assert.equal(displayPath("/fleets/my.api/port"), 'fleets["my.api"].port');
  assert.equal(displayPath("/fleets/web-2"), "fleets.web-2");
  assert.equal(displayPath(""), "");
  assert.equal(displayPath("/0"), "[0]");
});

test("location is file:line:col, or the file alone without a range", () => {
  assert.equal(location(diag({ range: at(3, 7, 20) })), "t.yaml:3:7");
  assert.equal(location(diag({})), "t.yaml");
});

test("normalizeDiagnostics puts errors first, then orders by position, deeper paths first at one position", () => {
  const warning = diag({ severity: "warning", code: "EF_SPEC_DOCKER_PORT", range: at(1, 1, 0), path: "/targets" });
  const late = diag({ code: "EF_SPEC_UNKNOWN_FLEET", range: at(9, 3, 90), path: "/edge" });
  const shallow = diag({ code: "EF_SPEC_SCHEMA_REQUIRED", range: at(4, 3, 40), path: "/fleets/api" });
  const deep = diag({ code: "EF_SPEC_SCHEMA_TYPE", range: at(4, 3, 40), path: "/fleets/api/port" });
  const noRange = diag({ code: "EF_SPEC_IO" });
  const sorted = normalizeDiagnostics([warning, late, shallow, deep, noRange]);
  assert.deepEqual(sorted.map((d) => d.code), ["EF_SPEC_IO", "EF_SPEC_SCHEMA_TYPE", "EF_SPEC_SCHEMA_REQUIRED", "EF_SPEC_UNKNOWN_FLEET", "EF_SPEC_DOCKER_PORT"]);
});

test("normalizeDiagnostics drops exact repeats but keeps distinct messages at one path", () => {
  const a = diag({ code: "EF_SPEC_SCHEMA_TYPE", path: "/x", message: "one", range: at(1, 1, 0) });
  const list = normalizeDiagnostics([a, { ...a }, { ...a, message: "two" }, { ...a, file: "other.yaml" }]);
  assert.equal(list.length, 3);
});

test("codeFrame shows the line with context and underlines the range", () => {
  const source = "version: 1\nname: shop\nfleets: {}\n";
  const frame = codeFrame(source, { start: { line: 2, col: 7, offset: 17 }, end: { line: 2, col: 11, offset: 21 } });
  assert.equal(frame, ["  1 | version: 1", "> 2 | name: shop", "    |       ^^^^", "  3 | fleets: {}"].join("\n"));
});

test("codeFrame marks at least one column and survives ranges past the end of the text", () => {
  const frame = codeFrame("a: 1", { start: { line: 1, col: 5, offset: 4 }, end: { line: 1, col: 5, offset: 4 } }, 1, (c) => `<${c}>`);
  assert.match(frame, /\|     <\^>$/);
  assert.doesNotThrow(() => codeFrame("a: 1", { start: { line: 7, col: 1, offset: 40 }, end: { line: 7, col: 2, offset: 41 } }));
});
