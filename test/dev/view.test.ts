import assert from "node:assert/strict";
import { test } from "node:test";
import { eventLines, formatLogLine, noPaint, statusLine } from "../../src/dev/format.js";
import type { LiveStats } from "../../src/dev/stats.js";
import { wrap } from "../../src/dev/tty-screen.js";
import { DevView } from "../../src/dev/view.js";
import type { Diagnostic } from "../../src/spec/diagnostics.js";

const formatDiagnostics = (d: readonly Diagnostic[], source?: string) => `${d.length} diagnostics; source ${source === undefined ? "absent" : "present"}`;

function capture(mode: "plain" | "json") {
  const out: string[] = [];
  const err: string[] = [];
  const view = new DevView({ mode, io: { out: (t) => void out.push(t), err: (t) => void err.push(t), color: false }, formatDiagnostics });
  return { view, out, err };
}

const diagnostic: Diagnostic = { code: "EF_SPEC_SCHEMA_TYPE", severity: "error", message: "fleets.web.replicas must be an integer", path: "/fleets/web/replicas", file: "q.yaml" };

test("json mode: one object per line on stdout, with an event field and without the spec text", () => {
  const { view, out, err } = capture("json");
  view.report({ event: "spec-invalid", file: "q.yaml", diagnostics: [diagnostic], kept: true, specText: "version: 1\n" });
  view.report({ event: "log", source: "web-0", stream: "stdout", line: "hello" });
  assert.equal(err.length, 0);
  const [invalid, log] = out.map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(invalid!["event"], "spec-invalid");
  assert.equal(invalid!["specText"], undefined);
  assert.deepEqual(invalid!["diagnostics"], [diagnostic]);
  assert.equal(log!["source"], "web-0", "a log event keeps its source");
  assert.match(String(invalid!["time"]), /^\d{4}-\d\d-\d\dT/);
});

test("plain mode: readable lines on stderr, diagnostics through the validate formatter", () => {
  const { view, out, err } = capture("plain");
  view.report({ event: "spec-invalid", file: "q.yaml", diagnostics: [diagnostic], kept: true, specText: "x" });
  view.report({ event: "process-exited", name: "web-1", role: "replica", pid: 9, code: 1, signal: null, expected: false, restartInMs: 500 });
  view.report({ event: "process-exited", name: "web-2", role: "replica", pid: 10, code: null, signal: "SIGTERM", expected: true });
  view.report({ event: "reloaded", started: ["web-3"], stopped: [], pids: [] });
  assert.equal(out.length, 0, "nothing on stdout: it is not data");
  assert.deepEqual(err, [
    "1 diagnostics; source present",
    "the spec is invalid; the running topology is kept — fix it and save again",
    "web-1 exited (code 1); restarting in 500ms",
    "stopped web-2 (pid 10)",
    "spec applied: started web-3; edge proxy reloaded",
  ]);
});

test("the ready banner lists every address and a first request to try", () => {
  const lines = eventLines(
    { event: "ready", name: "quickstart", listeners: [{ name: "web", protocol: "http", port: 8080, url: "http://127.0.0.1:8080" }], admin: "http://127.0.0.1:9901", examples: ["curl -i 'http://127.0.0.1:8080/'   # route default"], replicas: [{ name: "web-0", port: 4001 }], redis: [{ cache: "edge", port: 4002 }], prometheus: "http://127.0.0.1:4003", pids: [] },
    noPaint,
    formatDiagnostics,
  ).join("\n");
  for (const part of ["http://127.0.0.1:8080", "http://127.0.0.1:9901", "web-0 :4001", "cache edge on :4002", "http://127.0.0.1:4003", "curl -i 'http://127.0.0.1:8080/"]) assert.ok(lines.includes(part), part);
});

test("status line: only backends with traffic or down, named by replica; nothing when idle", () => {
  const row = { route: "default", fleet: "web", backend: "127.0.0.1:4001", rps: 2.5, errorRatio: 0.04, p50Ms: 3.2, p99Ms: 1500, healthy: true, total: 10 };
  const stats: LiveStats = { rows: [row, { ...row, backend: "127.0.0.1:4002", rps: 0, healthy: true }], caches: [{ cache: "edge", requests: 4, hits: 3, hitRatio: 0.75 }] };
  const names = new Map([["127.0.0.1:4001", "web-0"]]);
  assert.equal(statusLine(stats, names), "status: default→web-0 :4001 2.5 req/s err 4.0% p50 3ms p99 1.5s healthy · cache edge: hit ratio 75% (3 of 4 requests served from cache)");
  assert.equal(statusLine({ rows: [{ ...row, rps: 0 }], caches: [] }, names), undefined);
  assert.match(statusLine({ rows: [{ ...row, rps: 0, healthy: false }], caches: [] }, names) ?? "", /DOWN/);
});

test("log lines: pino JSON becomes msg key=value; other text is kept", () => {
  assert.equal(formatLogLine('{"level":30,"time":1,"pid":2,"hostname":"h","msg":"request","status":200,"path":"/a"}'), "request status=200 path=/a");
  assert.equal(
    formatLogLine('{"level":30,"proxy":"q","type":"access","method":"GET","path":"/a","status":200,"durationMs":1.5,"route":"static","backend":"127.0.0.1:4001","cache":"edgeform; fwd=miss; stored"}'),
    "GET /a 200 1.5ms static→127.0.0.1:4001 [fwd=miss; stored]",
  );
  assert.equal(formatLogLine('{"type":"access","method":"GET","path":"/a","status":200,"durationMs":0.4,"route":"static","cache":"edgeform; hit"}'), "GET /a 200 0.4ms static→edge [hit]");
  assert.equal(formatLogLine("{not json"), "{not json");
  assert.equal(formatLogLine("plain"), "plain");
});

test("wrap splits at visible columns, loses nothing and keeps color codes whole", () => {
  assert.deepEqual(wrap("abcdefg", 3), ["abc", "def", "g"]);
  assert.deepEqual(wrap("\x1b[31mabcdef\x1b[0m", 4), ["\x1b[31mabcd", "ef\x1b[0m"]);
  assert.deepEqual(wrap("ab", 10), ["ab"]);
  assert.deepEqual(wrap("", 10), [""]);
});
