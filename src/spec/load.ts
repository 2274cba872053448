/**
 * Load a spec (YAML or JSON — JSON is read by the same YAML 1.2 parser) and
 * keep source positions, so every later diagnostic can point at file:line:col.
 */
import { readFile } from "node:fs/promises";
import { LineCounter, parseDocument, isMap, isSeq, isPair, isScalar, type Document, type Node } from "yaml";
import type { ErrorCode } from "../errors.js";
import type { Diagnostic, PathSegment, SourceRange } from "./diagnostics.js";
import { toPointer } from "./diagnostics.js";

export interface LoadedSpec {
  file: string;
  source: string;
  /** The document as plain data; undefined when the file could not be parsed. */
  data: unknown;
  diagnostics: Diagnostic[];
  /** Source range of the value (or, with `key`, of the key) at a path. */
  locate(path: readonly PathSegment[], part?: "key" | "value"): SourceRange | undefined;
}

const yamlErrorCodes: Record<string, ErrorCode> = {
  DUPLICATE_KEY: "EF_SPEC_DUPLICATE_KEY",
  TAB_AS_INDENT: "EF_SPEC_TAB_INDENT",
};

export function loadSpecSource(source: string, file = "<input>"): LoadedSpec {
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter, prettyErrors: false, uniqueKeys: true, strict: true });
  const toRange = (start: number, end: number): SourceRange => {
    const s = lineCounter.linePos(start);
    const e = lineCounter.linePos(Math.max(start, end));
    return { start: { line: s.line, col: s.col, offset: start }, end: { line: e.line, col: e.col, offset: Math.max(start, end) } };
  };

  const diagnostics: Diagnostic[] = [];
  for (const err of [...doc.errors, ...doc.warnings]) {
    const [start, end] = err.pos;
    const code = yamlErrorCodes[err.code] ?? "EF_SPEC_SYNTAX";
    const firstLine = err.message.split("\n")[0] ?? err.message;
    const diag: Diagnostic = {
      code,
      severity: doc.errors.includes(err as never) ? "error" : "warning",
      message: code === "EF_SPEC_TAB_INDENT" ? "tabs are not allowed for indentation in YAML" : firstLine.replace(/ at line \d+, column \d+:?$/, ""),
      path: "",
      file,
      range: toRange(start, end),
    };
    if (code === "EF_SPEC_TAB_INDENT") diag.suggestion = "indent with spaces (two per level is usual)";
    if (code === "EF_SPEC_DUPLICATE_KEY") diag.suggestion = "keep one of the two keys; later tools would silently use only one";
    diagnostics.push(diag);
  }
  const hasErrors = doc.errors.length > 0;
  let data: unknown;
  if (!hasErrors) {
    try {
      data = doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      diagnostics.push({ code: "EF_SPEC_SYNTAX", severity: "error", message: (e as Error).message, path: "", file });
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

export async function loadSpecFile(file: string): Promise<LoadedSpec> {
  let source: string;
  try {
    source = await readFile(file, "utf8");
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === "ENOENT" ? "no such file" : err.code === "EISDIR" ? "it is a directory" : err.message;
    return {
      file,
      source: "",
      data: undefined,
      diagnostics: [{ code: "EF_SPEC_IO", severity: "error", message: `cannot read ${file}: ${why}`, path: "", file }],
      locate: () => undefined,
    };
  }
  return loadSpecSource(source, file);
}

/**
 * Walk the YAML AST along a path. Returns the key and value nodes of the last
 * step; when the path goes deeper than the document, the deepest node found
 * (so a diagnostic about a missing key points at its parent).
 */
function findNode(doc: Document, path: readonly PathSegment[]): { key?: Node; value?: Node } | undefined {
  let current: unknown = doc.contents;
  let found: { key?: Node; value?: Node } = { value: current as Node };
  for (const segment of path) {
    if (isMap(current)) {
      const pair = current.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment));
      if (!pair) return found;
      found = { key: pair.key as Node, value: (pair.value ?? pair.key) as Node };
      current = pair.value;
    } else if (isSeq(current) && typeof segment === "number") {
      const item = current.items[segment];
      if (!item) return found;
      found = { value: item as Node };
      current = item;
    } else {
      return found;
    }
  }
  return found;
}

export { toPointer };
