/**
 * Load a spec and keep source positions, so every later diagnostic can point
 * at file:line:col. YAML goes through the yaml library's AST; JSON takes a
 * fast path (JSON.parse) and builds the AST only when a diagnostic needs a
 * position — JSON is YAML 1.2, so both paths read it the same way.
 */
import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { CORE_SCHEMA, load as parseYamlFast } from "js-yaml";
import { LineCounter, parseDocument } from "yaml";
import { toPointer, type Diagnostic, type PathSegment, type SourceRange } from "./diagnostics.js";
import { findNode } from "./yaml-ast.js";
import { cycleProblem, yamlProblems } from "./yaml-problems.js";

export interface LoadedSpec {
  file: string;
  /** Directory that `{ file }` references in the spec are relative to (the spec file's; default the current one). */
  dir?: string;
  source: string;
  /** The document as plain data; undefined when the file could not be parsed. */
  data: unknown;
  diagnostics: Diagnostic[];
  /** Source range of the value (or, with `key`, of the key) at a path. */
  locate(path: readonly PathSegment[], part?: "key" | "value"): SourceRange | undefined;
  /**
   * Set when the document was read by the fast parser: loads it again with
   * the position-keeping parser, for when there is something to report.
   */
  precise?: () => LoadedSpec;
}

/** Plain strings for a character range of the source. */
export function sourceRangeOf(lineCounter: LineCounter, start: number, end: number): SourceRange {
  const s = lineCounter.linePos(start);
  const e = lineCounter.linePos(Math.max(start, end));
  return { start: { line: s.line, col: s.col, offset: start }, end: { line: e.line, col: e.col, offset: Math.max(start, end) } };
}

export function loadSpecSource(source: string, file = "<input>"): LoadedSpec {
  return loadJson(source, file) ?? loadYamlFast(source, file) ?? loadYaml(source, file);
}

/**
 * What the fast path leaves to the precise parser: anchors (&a) and aliases
 * (*a), whose cycles it checks, and explicit or collection keys (`? [a]`),
 * which js-yaml would quietly turn into strings.
 */
const NEEDS_PRECISE_PARSER = /(^|[\s[{,:-])[&*][^\s.,\]}]|^\s*\?(\s|$)|^\s*[[{][^\n]*[\]}]\s*:/m;

/**
 * Fast path for YAML: js-yaml (YAML 1.2 core schema, like the yaml library's
 * default) parses a 5,000-fleet spec ~25× faster than the position-keeping
 * yaml AST (bench/validate.ts). It throws on duplicate keys, tabs and
 * anything unusual, and then the precise parser reports it; when validation
 * finds any problem, the file is loaded again precisely (`precise`) so every
 * diagnostic gets its position and YAML-level warnings are not missed.
 */
function loadYamlFast(source: string, file: string): LoadedSpec | undefined {
  if (NEEDS_PRECISE_PARSER.test(source)) return undefined;
  let data: unknown;
  try {
    data = parseYamlFast(source, { schema: CORE_SCHEMA, filename: file });
  } catch {
    return undefined;
  }
  if (data === undefined || data === null) return undefined;
  let precise: LoadedSpec | undefined;
  const reload = () => (precise ??= loadYaml(source, file));
  return { file, source, data, diagnostics: [], locate: (path, part) => reload().locate(path, part), precise: reload };
}

/**
 * Fast path for JSON specs (often machine-generated, so often large): parse
 * with JSON.parse and build the YAML AST — positions — only if a diagnostic
 * needs one. Returns undefined, so the YAML path reports precisely, when the
 * text is not valid JSON or repeats a key (JSON.parse would silently keep one).
 */
function loadJson(source: string, file: string): LoadedSpec | undefined {
  if (!/^\s*\{/.test(source)) return undefined;
  let data: unknown;
  try {
    data = JSON.parse(source);
  } catch {
    return undefined;
  }
  if (countJsonMembers(source) !== countKeys(data)) return undefined;
  let located: LoadedSpec | undefined;
  return {
    file,
    source,
    data,
    diagnostics: [],
    locate(path, part) {
      located ??= loadYaml(source, file);
      return located.locate(path, part);
    },
  };
}

/** Members ("key": value) written in a JSON text: every string literal followed by a colon. */
function countJsonMembers(source: string): number {
  let n = 0;
  for (const m of source.matchAll(/"(?:[^"\\]|\\.)*"(\s*:)?/g)) if (m[1] !== undefined) n++;
  return n;
}

function countKeys(v: unknown): number {
  if (typeof v !== "object" || v === null) return 0;
  let n = 0;
  if (Array.isArray(v)) for (const x of v) n += countKeys(x);
  else for (const [, x] of Object.entries(v)) n += 1 + countKeys(x);
  return n;
}

function loadYaml(source: string, file: string): LoadedSpec {
  const lineCounter = new LineCounter();
  // logLevel "error": the yaml library would otherwise print process warnings
  // (e.g. about collection keys) to stderr; we report such problems ourselves.
  // uniqueKeys is off because the library's check is quadratic in the size of a
  // mapping (seconds for 5,000 fleets); duplicateKeys() does it in linear time.
  const doc = parseDocument(source, { lineCounter, prettyErrors: false, uniqueKeys: false, strict: true, logLevel: "error" });
  const toRange = (start: number, end: number) => sourceRangeOf(lineCounter, start, end);

  const diagnostics = yamlProblems(doc, file, toRange);

  let data: unknown;
  if (!diagnostics.some((d) => d.severity === "error")) {
    try {
      data = doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      diagnostics.push({ code: "EF_SPEC_SYNTAX", severity: "error", message: (e as Error).message, path: "", file, range: toRange(0, 0) });
    }
    const cycle = data === undefined ? undefined : cycleProblem(doc, data, file, toRange);
    if (cycle) {
      data = undefined;
      diagnostics.push(cycle);
    }
  }

  return {
    file,
    source,
    data,
    diagnostics,
    locate(path, part = "value") {
      const found = findNode(doc, path);
      if (!found) return undefined;
      const node = part === "key" && found.key ? found.key : found.value ?? found.key;
      const r = node?.range;
      return r ? toRange(r[0], r[1]) : undefined;
    },
  };
}

export async function loadSpecFile(file: string, options: { filename?: string } = {}): Promise<LoadedSpec> {
  const shown = options.filename ?? file;
  let source: string;
  try {
    source = await readFile(file, "utf8");
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === "ENOENT" ? "no such file" : err.code === "EISDIR" ? "it is a directory" : err.message;
    return {
      file: shown,
      source: "",
      data: undefined,
      diagnostics: [{ code: "EF_SPEC_IO", severity: "error", message: `cannot read ${shown}: ${why}`, path: "", file: shown, suggestion: "check the path; it is relative to the current directory" }],
      locate: () => undefined,
    };
  }
  return { ...loadSpecSource(source, shown), dir: dirname(resolve(file)) };
}

export { toPointer };
