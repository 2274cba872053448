/**
 * Problems in the YAML text itself, each turned into a diagnostic that points
 * where the mistake is (not where the parser noticed it) and says how to fix
 * it: syntax errors, duplicate keys, tabs, collection keys, dangling or
 * self-referencing aliases.
 */
import { isAlias, isMap, isScalar, isSeq, visit, type Document, type Node, type YAMLError } from "yaml";
import type { ErrorCode } from "../errors.js";
import { displayPath, toPointer, type Diagnostic, type PathSegment, type SourceRange } from "./diagnostics.js";
import { findNode, findNodeRange, pathAtOffset } from "./yaml-ast.js";

type ToRange = (start: number, end: number) => SourceRange;

const yamlErrorCodes: Record<string, ErrorCode> = {
  TAB_AS_INDENT: "EF_SPEC_TAB_INDENT",
};

/** Advice for the YAML mistakes people make most; keyed by the yaml library's error code. */
const yamlAdvice: Record<string, string> = {
  TAB_AS_INDENT: "indent with spaces (two per level is usual)",
  BAD_INDENT: "line the entries of a mapping or list up at the same indentation, and close every [ and {",
  MISSING_CHAR: "close the quote or bracket that was opened",
  MULTIPLE_DOCS: "keep one topology per file (remove the extra `---`)",
  BLOCK_AS_IMPLICIT_KEY: "put a space after every `key:` colon and start nested mappings on the next line",
  MULTILINE_IMPLICIT_KEY: "a key must fit on one line; check for a missing `:` or a stray indentation",
  TAG_RESOLVE_FAILED: "remove the `!!tag`; specs only use plain strings, numbers, booleans, lists and mappings",
};

/** Everything wrong with the YAML of a parsed document, before its data is used. */
export function yamlProblems(doc: Document, file: string, toRange: ToRange): Diagnostic[] {
  return [
    ...[...doc.errors, ...doc.warnings].map((err) => yamlDiagnostic(doc, err, doc.errors.includes(err as never), file, toRange)),
    ...duplicateKeys(doc, file, toRange),
    ...structuralDiagnostics(doc, file, toRange),
  ];
}

/** An alias inside the value it names makes the data endless; reported instead of loading it. */
export function cycleProblem(doc: Document, data: unknown, file: string, toRange: ToRange): Diagnostic | undefined {
  const cycle = cyclePath(data);
  if (!cycle) return undefined;
  return {
    code: "EF_SPEC_SYNTAX", severity: "error", message: "an alias refers to a value that contains the alias itself, which makes an endless value",
    path: toPointer(cycle), file, range: findNodeRange(doc, cycle, toRange) ?? toRange(0, 0),
    suggestion: "point the alias at a value outside the anchored one",
  };
}

function yamlDiagnostic(
  doc: Document,
  err: YAMLError,
  isError: boolean,
  file: string,
  toRange: ToRange,
): Diagnostic {
  const [start, end] = err.pos;
  const code = yamlErrorCodes[err.code] ?? "EF_SPEC_SYNTAX";
  const firstLine = (err.message.split("\n")[0] ?? err.message).replace(/ at line \d+, column \d+:?$/, "");
  const where = pathAtOffset(doc, start);
  const diag: Diagnostic = { code, severity: isError ? "error" : "warning", message: firstLine, path: toPointer(where.path), file, range: toRange(start, end) };
  if (code === "EF_SPEC_TAB_INDENT") diag.message = "tabs are not allowed for indentation in YAML";
  if (err.code === "MISSING_CHAR" && /quote/i.test(firstLine)) {
    // The parser notices at the end of the file; the mistake is where the quote opened.
    const path = pathAtOffset(doc, Math.max(0, start - 1)).path;
    const opened = findNode(doc, path)?.value;
    if (isScalar(opened) && (opened.type === "QUOTE_DOUBLE" || opened.type === "QUOTE_SINGLE") && opened.range) {
      diag.range = toRange(opened.range[0], opened.range[0] + 1);
      diag.path = toPointer(path);
      diag.message = "this quoted string is never closed, so it runs to the end of the file";
    }
  }
  const unclosed = /end with an? ([\]}])/.exec(firstLine);
  if (unclosed) {
    // Reported where the parser gave up; the mistake is the bracket that was never closed.
    const path = pathAtOffset(doc, Math.max(0, start - 1)).path;
    // The innermost flow collection around the point where parsing stopped.
    const prefixes = path.map((_, i) => path.slice(0, path.length - i));
    const at = prefixes.find((p) => {
      const n = findNode(doc, p)?.value;
      return (isSeq(n) || isMap(n)) && n.flow;
    });
    const open = at && findNode(doc, at)?.value;
    if (at && (isSeq(open) || isMap(open)) && open.range) {
      diag.range = toRange(open.range[0], open.range[0] + 1);
      diag.path = toPointer(at);
      diag.message = `this ${unclosed[1] === "]" ? "[ list" : "{ mapping"} is not closed with ${unclosed[1]} before the next key`;
    }
  }
  if (err.code === "MULTIPLE_DOCS") diag.message = "the file holds more than one YAML document (a second `---`)";
  const advice = yamlAdvice[err.code];
  if (advice) diag.suggestion = advice;
  return diag;
}

/** Every key that repeats an earlier key of the same mapping, reported at the repeat. */
function duplicateKeys(doc: Document, file: string, toRange: ToRange): Diagnostic[] {
  const out: Diagnostic[] = [];
  visit(doc, {
    Map(_, map, ancestors) {
      const seen = new Set<string>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        // Keys compare as the strings they become in the loaded object (1 and "1" collide).
        const name = String(pair.key.value);
        if (!seen.has(name)) {
          seen.add(name);
          continue;
        }
        const r = pair.key.range;
        const path = pathAtOffset(doc, r ? r[0] : 0).path;
        out.push({
          code: "EF_SPEC_DUPLICATE_KEY", severity: "error",
          message: `duplicate key "${name}"${path.length > 1 ? ` in ${displayPath(path.slice(0, -1))}` : ancestors.length > 1 ? "" : " at the top level"}: a mapping may have each key only once`,
          path: toPointer(path), file, range: r ? toRange(r[0], r[1]) : toRange(0, 0),
          suggestion: "keep one of the two keys; YAML tools disagree about which one wins",
        });
      }
    },
  });
  return out;
}

/** Problems the YAML parser accepts but a spec cannot contain: collection keys and dangling aliases. */
function structuralDiagnostics(doc: Document, file: string, toRange: ToRange): Diagnostic[] {
  if (doc.errors.length > 0) return [];
  const out: Diagnostic[] = [];
  const anchors = new Set<string>();
  visit(doc, {
    Node(_, node) {
      if (node.anchor) anchors.add(node.anchor);
    },
    Pair(_, pair) {
      const key = pair.key as Node | null;
      if (key && !isScalar(key) && !isAlias(key) && key.range) {
        out.push({
          code: "EF_SPEC_SYNTAX", severity: "error", message: "a mapping key must be a plain string, not a list or mapping",
          path: toPointer(pathAtOffset(doc, key.range[0]).path), file, range: toRange(key.range[0], key.range[1]),
          suggestion: "write the key as a plain word, e.g. `name:`",
        });
      }
    },
    Alias(_, alias) {
      // Anchors are collected in document order, so an alias seen before its anchor is unresolved.
      if (!anchors.has(alias.source) && alias.range) {
        out.push({
          code: "EF_SPEC_SYNTAX", severity: "error", message: `alias *${alias.source} refers to an anchor &${alias.source} that is not defined before it`,
          path: toPointer(pathAtOffset(doc, alias.range[0]).path), file, range: toRange(alias.range[0], alias.range[1]),
          suggestion: `define \`&${alias.source}\` on an earlier value, or write the value out`,
        });
      }
    },
  });
  return out;
}

/** The path at which the data first contains itself (only aliases can do that), if anywhere. */
function cyclePath(data: unknown): PathSegment[] | undefined {
  const ancestors = new Set<object>();
  const walk = (v: unknown, path: PathSegment[]): PathSegment[] | undefined => {
    if (typeof v !== "object" || v === null) return undefined;
    if (ancestors.has(v)) return path;
    ancestors.add(v);
    const entries: Array<[PathSegment, unknown]> = Array.isArray(v) ? v.map((x, i) => [i, x]) : Object.entries(v);
    for (const [k, child] of entries) {
      const found = walk(child, [...path, k]);
      if (found) return found;
    }
    ancestors.delete(v);
    return undefined;
  };
  return walk(data, []);
}
