/**
 * Diagnostics: what the loader and validator report about a spec file. Every
 * diagnostic has a stable code, a severity, a JSON path, a source range and,
 * where we know one, a suggestion.
 */
import type { ErrorCode } from "../errors.js";

export type Severity = "error" | "warning";

export interface Position {
  /** 1-based line. */
  line: number;
  /** 1-based column. */
  col: number;
  /** 0-based character offset into the source. */
  offset: number;
}

export interface SourceRange {
  start: Position;
  end: Position;
}

export interface Diagnostic {
  code: ErrorCode;
  severity: Severity;
  message: string;
  /** JSON Pointer into the document ("" for the whole document). */
  path: string;
  file: string;
  range?: SourceRange;
  /** A concrete fix, e.g. 'did you mean "fleet"?'. */
  suggestion?: string;
}

export type PathSegment = string | number;

/** RFC 6901 JSON Pointer for a list of segments. */
export function toPointer(segments: readonly PathSegment[]): string {
  return segments.map((s) => "/" + String(s).replace(/~/g, "~0").replace(/\//g, "~1")).join("");
}

export function fromPointer(pointer: string): PathSegment[] {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((s) => (/^(0|[1-9][0-9]*)$/.test(s) ? Number(s) : s));
}

/**
 * A JSON Pointer as people read paths: "/edge/routes/0/fleet" → "edge.routes[0].fleet".
 * Keys that are not plain words are quoted: fleets["my.api"]. The root is "".
 */
export function displayPath(pointer: string | readonly PathSegment[]): string {
  const segments = typeof pointer === "string" ? fromPointer(pointer) : pointer;
  let out = "";
  for (const s of segments) {
    if (typeof s === "number") out += `[${s}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(s)) out += out === "" ? s : `.${s}`;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

/** `file:line:col`, or just the file when there is no range. */
export function location(d: Diagnostic): string {
  return d.range ? `${d.file}:${d.range.start.line}:${d.range.start.col}` : d.file;
}

/**
 * A code frame: the offending line with one line of context either side and
 * a caret line under the range, like compilers print.
 */
export function codeFrame(source: string, range: SourceRange, context = 1, mark: (carets: string) => string = (c) => c): string {
  const lines = source.split(/\r?\n/);
  const first = Math.max(1, range.start.line - context);
  const last = Math.min(lines.length, range.start.line + context);
  const width = String(last).length;
  const out: string[] = [];
  for (let n = first; n <= last; n++) {
    const text = (lines[n - 1] ?? "").replace(/\t/g, " ");
    const marker = n === range.start.line ? ">" : " ";
    out.push(`${marker} ${String(n).padStart(width)} | ${text}`);
    if (n === range.start.line) {
      const endCol = range.end.line === range.start.line ? Math.max(range.end.col, range.start.col + 1) : text.length + 1;
      const carets = "^".repeat(Math.max(1, Math.min(endCol, text.length + 1) - range.start.col));
      out.push(`  ${" ".repeat(width)} | ${" ".repeat(range.start.col - 1)}${mark(carets)}`);
    }
  }
  return out.join("\n");
}

const severityRank: Record<Severity, number> = { error: 0, warning: 1 };

/**
 * Deduplicate and order diagnostics: errors before warnings, then by position
 * in the file; at one position the more specific (deeper path) comes first.
 */
export function normalizeDiagnostics(list: readonly Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  const unique: Diagnostic[] = [];
  for (const d of list) {
    const key = `${d.file}\0${d.code}\0${d.path}\0${d.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    unique.push(d);
  }
  return unique.sort(
    (a, b) =>
      severityRank[a.severity] - severityRank[b.severity] ||
      (a.range?.start.offset ?? -1) - (b.range?.start.offset ?? -1) ||
      b.path.split("/").length - a.path.split("/").length ||
      a.code.localeCompare(b.code),
  );
}
