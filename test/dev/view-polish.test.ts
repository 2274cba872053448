/** edgeform dev's view: ejections, clock times, folded YAML errors, a problem never cut (issue #17). */
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { test } from "node:test";
import type { Diagnostic } from "../../src/spec/diagnostics.js";
import { clockTime, eventLines, foldKnockOnSyntaxErrors, formatLogLine, healthText, noPaint } from "../../src/dev/format.js";
import { TtyScreen } from "../../src/dev/tty-screen.js";
import { DevView } from "../../src/dev/view.js";

const formatDiagnostics = (ds: readonly Diagnostic[]) => ds.map((d) => `${d.code} ${d.message}`).join("\n");

test("an ejected backend shows until when, not DOWN; a down one without ejection stays DOWN", () => {
  const now = Date.parse("2026-12-06T10:00:00Z");
  const until = now + 30_000;
  assert.equal(healthText({ healthy: false, ejectedUntil: until }, now), `ejected (until ${clockTime(until)})`);
  assert.match(healthText({ healthy: false, ejectedUntil: until }, now), /^ejected \(until \d\d:\d\d:\d\d\)$/);
  assert.equal(healthText({ healthy: false, ejectedUntil: now - 1 }, now), "DOWN", "an ejection that ended says nothing about now");
  assert.equal(healthText({ healthy: false }, now), "DOWN");
  assert.equal(healthText({ healthy: true }, now), "healthy");
});

test("log lines show times as hh:mm:ss, never a raw epoch or an ISO stamp", () => {
  const at = Date.parse("2026-12-06T10:11:12.345Z");
  const line = formatLogLine(JSON.stringify({ level: 40, time: at, msg: "backend 127.0.0.1:4001 ejected", event: "ejection", until: new Date(at).toISOString(), since: at, count: 3 }));
  assert.equal(line, `backend 127.0.0.1:4001 ejected event=ejection until=${clockTime(at)} since=${clockTime(at)} count=3`);
  assert.doesNotMatch(line, /\d{13}|T\d\d:/);
});

test("the live rows learn ejections from the proxy's own ejection log", () => {
  const lines: string[] = [];
  const view = new DevView({ mode: "plain", io: { out: () => {}, err: (t) => void lines.push(t), color: false }, formatDiagnostics, intervalMs: 60_000 });
  const until = Date.now() + 60_000;
  view.report({ event: "log", source: "proxy", stream: "stdout", line: JSON.stringify({ msg: "backend 127.0.0.1:4001 ejected", event: "ejection", backend: "127.0.0.1:4001", until: new Date(until).toISOString() }) });
  const row = { route: "default", fleet: "web", backend: "127.0.0.1:4001", rps: 1, errorRatio: 0.5, p50Ms: 1, p99Ms: 2, healthy: false, total: 4 };
  (view as unknown as { onStats(s: unknown, n: Map<string, string>): void }).onStats({ rows: [row], caches: [] }, new Map([["127.0.0.1:4001", "web-0"]]));
  view.close();
  assert.match(lines.at(-1) ?? "", new RegExp(`web-0 :4001 .* ejected \\(until ${clockTime(until)}\\)`));
});

test("knock-on YAML syntax errors after the first are folded into a count", () => {
  const d = (code: Diagnostic["code"], line: number): Diagnostic => ({ code, severity: "error", message: `at ${line}`, path: "", file: "t.yaml", range: { start: { line, col: 1 }, end: { line, col: 2 } } }) as Diagnostic;
  const all = [d("EF_SPEC_SYNTAX", 4), d("EF_SPEC_SYNTAX", 5), d("EF_SPEC_SYNTAX", 7)];
  assert.deepEqual(foldKnockOnSyntaxErrors(all), { shown: [all[0]], folded: 2 });
  const text = eventLines({ event: "spec-invalid", file: "t.yaml", diagnostics: all, kept: true }, noPaint, formatDiagnostics);
  assert.deepEqual(text, ["EF_SPEC_SYNTAX at 4", "(2 more YAML syntax errors after this one, usually knock-on effects of it: fix this one first)", "the spec is invalid; the running topology is kept — fix it and save again"]);
  const schemaOnly = [d("EF_SPEC_SCHEMA_TYPE", 3), d("EF_SPEC_SCHEMA_TYPE", 9)];
  assert.deepEqual(foldKnockOnSyntaxErrors(schemaOnly), { shown: schemaOnly, folded: 0 }, "independent problems are all shown");
});

/** A stand-in terminal: records what is drawn. */
function terminal(columns: number, rows: number) {
  const t = Object.assign(new EventEmitter(), { columns, rows, written: "", write(s: string) { t.written += s; return true; } });
  return t;
}

test("on the live screen an invalid spec replaces the table, wraps instead of being cut, and is returned whole on close", async () => {
  const term = terminal(40, 12);
  const screen = new TtyScreen(term as unknown as NodeJS.WriteStream, noPaint);
  const long = `t.yaml:3:5 error EF_SPEC_SCHEMA_TYPE ${"x".repeat(70)} end-of-message`;
  const problem = [long, ...Array.from({ length: 20 }, (_, i) => `frame line ${i}`)];
  const row = { route: "default", fleet: "web", backend: "127.0.0.1:4001", rps: 1, errorRatio: 0, p50Ms: 1, p99Ms: 2, healthy: true, total: 4 };
  screen.setStats({ rows: [row], caches: [] }, new Map());
  await new Promise((r) => setTimeout(r, 150));
  assert.match(term.written, /ROUTE/, "the table is drawn while the spec is valid");
  term.written = "";
  screen.setProblem(problem);
  await new Promise((r) => setTimeout(r, 150));
  const drawn = term.written.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "");
  assert.ok(drawn.includes("end-of-mes"), "the end of a long line is wrapped onto the next row, not cut");
  assert.doesNotMatch(drawn, /ROUTE/, "the problem takes the table's place");
  const printed = screen.close();
  for (const line of problem) assert.ok(printed.includes(line), `printed on close: ${line}`);
});
