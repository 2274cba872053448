/**
 * Diagnostics for machines, modelled on `terraform validate -json`: a
 * format_version, a valid flag, counts, and diagnostics with a summary, a
 * detail, a source range (line, column and byte offset) and a snippet.
 * edgeform adds `code` (stable, searchable), `path` (JSON Pointer), `address`
 * (the same path as people write it) and `suggestion`.
 */
import { ErrorCodes } from "../../errors.js";
import { displayPath, type Diagnostic, type Position } from "../../spec/diagnostics.js";
import { countBySeverity, type FileReport } from "./report.js";

export const JSON_FORMAT_VERSION = "1.0";

export interface JsonPos {
  line: number;
  column: number;
  /** 0-based offset in UTF-8 bytes, as terraform reports it. */
  byte: number;
}

export interface JsonDiagnostic {
  severity: "error" | "warning";
  code: string;
  summary: string;
  detail: string;
  path: string;
  address: string;
  suggestion?: string;
  range?: { filename: string; start: JsonPos; end: JsonPos };
  snippet?: {
    /** The enclosing mapping or list, as a path (terraform: the enclosing block). */
    context: string | null;
    code: string;
    start_line: number;
    /** Byte offsets into `code`. */
    highlight_start_offset: number;
    highlight_end_offset: number;
    values: [];
  };
}

export interface JsonReport {
  format_version: string;
  valid: boolean;
  error_count: number;
  warning_count: number;
  files: Array<{ filename: string; valid: boolean; error_count: number; warning_count: number }>;
  diagnostics: JsonDiagnostic[];
}

const MAX_SNIPPET_LINES = 3;

export function jsonReport(reports: readonly FileReport[]): JsonReport {
  const { errors, warnings } = countBySeverity(reports);
  return {
    format_version: JSON_FORMAT_VERSION,
    valid: errors === 0,
    error_count: errors,
    warning_count: warnings,
    files: reports.map((r) => {
      const c = countBySeverity([r]);
      return { filename: r.file, valid: c.errors === 0, error_count: c.errors, warning_count: c.warnings };
    }),
    diagnostics: reports.flatMap((r) => r.diagnostics.map((d) => jsonDiagnostic(d, r.source))),
  };
}

export function formatJson(reports: readonly FileReport[]): string {
  return JSON.stringify(jsonReport(reports), null, 2);
}

export function jsonDiagnostic(d: Diagnostic, source: string): JsonDiagnostic {
  const out: JsonDiagnostic = {
    severity: d.severity,
    code: d.code,
    summary: d.message,
    detail: d.suggestion ? `${capitalize(ErrorCodes[d.code])}. Fix: ${d.suggestion}` : `${capitalize(ErrorCodes[d.code])}.`,
    path: d.path,
    address: displayPath(d.path),
  };
  if (d.suggestion) out.suggestion = d.suggestion;
  if (d.range) {
    out.range = { filename: d.file, start: jsonPos(d.range.start, source), end: jsonPos(d.range.end, source) };
    const snippet = snippetOf(d, source);
    if (snippet) out.snippet = snippet;
  }
  return out;
}

function jsonPos(p: Position, source: string): JsonPos {
  return { line: p.line, column: p.col, byte: Buffer.byteLength(source.slice(0, p.offset), "utf8") };
}

function snippetOf(d: Diagnostic, source: string): JsonDiagnostic["snippet"] | undefined {
  const range = d.range!;
  const lines = source.split(/\r?\n/);
  const first = range.start.line;
  const last = Math.min(range.end.line, first + MAX_SNIPPET_LINES - 1, lines.length);
  if (first < 1 || first > lines.length) return undefined;
  const code = lines.slice(first - 1, last).join("\n");
  const startChar = range.start.col - 1;
  // The end column counts on the end line; translate it to an offset into `code`.
  const endChar = range.end.line <= last
    ? lines.slice(first - 1, range.end.line - 1).reduce((n, l) => n + l.length + 1, 0) + range.end.col - 1
    : code.length;
  const parent = displayPath(d.path.split("/").slice(0, -1).join("/"));
  return {
    context: parent === "" ? null : parent,
    code,
    start_line: first,
    highlight_start_offset: Buffer.byteLength(code.slice(0, startChar), "utf8"),
    highlight_end_offset: Buffer.byteLength(code.slice(0, Math.max(startChar, Math.min(endChar, code.length))), "utf8"),
    values: [],
  };
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
