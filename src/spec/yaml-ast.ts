/**
 * Walking the YAML AST: from a JSON path to the nodes (for positions), and
 * from a character offset back to a JSON path (for parser errors).
 */
import { isAlias, isMap, isPair, isScalar, isSeq, type Document, type Node } from "yaml";
import type { PathSegment, SourceRange } from "./diagnostics.js";

/**
 * The path of the deepest key or item whose node contains a character offset,
 * so parser errors (duplicate keys, tabs) carry a JSON path like every other
 * diagnostic. `key` is the key node of the last step, when there is one.
 */
export function pathAtOffset(doc: Document, offset: number): { path: PathSegment[]; key?: Node } {
  const path: PathSegment[] = [];
  let key: Node | undefined;
  const within = (n: unknown) => {
    const r = (n as Node | null)?.range;
    // End-exclusive: a node's range ends where the next key starts.
    return r !== undefined && r !== null && offset >= r[0] && offset < Math.max(r[2], r[0] + 1);
  };
  let current: unknown = doc.contents;
  for (;;) {
    if (isMap(current)) {
      const pair = current.items.find((p) => within(p.key) || within(p.value));
      if (!pair || !isScalar(pair.key)) break;
      path.push(String(pair.key.value));
      key = pair.key;
      if (within(pair.key) && !within(pair.value)) break;
      current = pair.value;
    } else if (isSeq(current)) {
      const index = current.items.findIndex((item) => within(item));
      if (index < 0) break;
      path.push(index);
      key = undefined;
      current = current.items[index];
    } else break;
  }
  return key ? { path, key } : { path };
}

/**
 * Walk the YAML AST along a path. Returns the key and value nodes of the last
 * step; when the path goes deeper than the document, the deepest node found
 * (so a diagnostic about a missing key points at its parent).
 */
export function findNode(doc: Document, path: readonly PathSegment[]): { key?: Node; value?: Node } | undefined {
  let current: unknown = doc.contents;
  let found: { key?: Node; value?: Node } = { value: current as Node };
  for (const segment of path) {
    if (isAlias(current)) current = current.resolve(doc);
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

export function findNodeRange(doc: Document, path: readonly PathSegment[], toRange: (start: number, end: number) => SourceRange): SourceRange | undefined {
  const r = findNode(doc, path)?.value?.range;
  return r ? toRange(r[0], r[1]) : undefined;
}
