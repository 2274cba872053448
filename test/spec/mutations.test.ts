/**
 * Property tests: whatever happens to a valid spec — keys deleted, values of
 * the wrong type, junk keys, values swapped, random text spliced in — the
 * validator never throws. It returns diagnostics, each well formed; and when
 * it says a mutated spec is valid, planning every target and drawing the
 * graph work too (valid must mean usable).
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import fc from "fast-check";
import { parse, stringify } from "yaml";
import { ErrorCodes } from "../../src/errors.js";
import { planDeployment } from "../../src/plan/plan.js";
import { topologyGraph } from "../../src/plan/graph.js";
import { validateTopology, type ValidationResult } from "../../src/spec/index.js";

const examplesDir = new URL("../../../examples/", import.meta.url).pathname;
const examples = readdirSync(examplesDir)
  .filter((f) => /\.ya?ml$/.test(f))
  .sort()
  .map((f) => ({ file: f, source: readFileSync(join(examplesDir, f), "utf8") }));

type Path = Array<string | number>;

function allPaths(v: unknown, prefix: Path = []): Path[] {
  const out: Path[] = [prefix];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...allPaths(x, [...prefix, i])));
  else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) out.push(...allPaths(x, [...prefix, k]));
  return out;
}

function parentOf(root: unknown, path: Path): { parent: Record<string, unknown> | unknown[]; key: string | number } | undefined {
  if (path.length === 0) return undefined;
  let cur: unknown = root;
  for (const seg of path.slice(0, -1)) cur = (cur as Record<string, unknown>)[seg as string];
  return cur && typeof cur === "object" ? { parent: cur as Record<string, unknown>, key: path.at(-1)! } : undefined;
}

function get(root: unknown, path: Path): unknown {
  let cur = root;
  for (const seg of path) cur = (cur as Record<string, unknown>)[seg as string];
  return cur;
}

function set(root: unknown, path: Path, value: unknown): void {
  const p = parentOf(root, path);
  if (!p) return;
  // defineProperty: a junk key "__proto__" must become data, not a prototype.
  if (Array.isArray(p.parent)) p.parent[p.key as number] = value;
  else Object.defineProperty(p.parent, p.key, { value, enumerable: true, writable: true, configurable: true });
}

const junk = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.integer({ min: -100000, max: 100000 }),
  fc.double({ noNaN: false }),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom("5s", "0ms", "256MiB", "web", "api", "http", "tcp", "consistent-hash", "/", "*.example.com", "eu-west-1", "a:80", "", "__proto__"),
  fc.array(fc.oneof(fc.string({ maxLength: 6 }), fc.integer()), { maxLength: 3 }),
  fc.dictionary(fc.constantFrom("name", "port", "fleet", "secret", "x", "image", "endpoints"), fc.oneof(fc.string({ maxLength: 6 }), fc.integer()), { maxKeys: 3 }),
);

const junkKey = fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom("fleeet", "__proto__", "constructor", "provider", "weight", "hashKey", "listeners", "0", "$schema"));

type Op =
  | { kind: "delete"; at: number }
  | { kind: "replace"; at: number; value: unknown }
  | { kind: "insert"; at: number; key: string; value: unknown }
  | { kind: "swap"; at: number; with: number }
  | { kind: "string"; at: number; value: string };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("replace" as const), at: fc.nat(), value: junk }),
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), key: junkKey, value: junk }),
  fc.record({ kind: fc.constant("swap" as const), at: fc.nat(), with: fc.nat() }),
  fc.record({ kind: fc.constant("string" as const), at: fc.nat(), value: fc.string({ maxLength: 20 }) }),
);

function mutate(data: unknown, ops: readonly Op[]): unknown {
  let root = structuredClone(data);
  for (const o of ops) {
    const paths = allPaths(root);
    const path = paths[o.at % paths.length]!;
    if (o.kind === "delete") {
      const p = parentOf(root, path);
      if (p && Array.isArray(p.parent)) p.parent.splice(p.key as number, 1);
      else if (p) delete (p.parent as Record<string, unknown>)[p.key as string];
      else root = undefined;
    } else if (o.kind === "replace" || o.kind === "string") {
      if (path.length === 0) root = o.value;
      else set(root, path, o.value);
    } else if (o.kind === "insert") {
      const target = get(root, path);
      if (target && typeof target === "object" && !Array.isArray(target)) set(root, [...path, o.key], o.value);
      else if (Array.isArray(target)) target.push(o.value);
    } else {
      const other = paths[o.with % paths.length]!;
      const a = get(root, path);
      const b = get(root, other);
      // Swapping a value into its own descendant would make a cycle; YAML text cannot express that.
      const nested = other.length > path.length ? path.every((s, i) => other[i] === s) : path.every((s, i) => s === other[i]);
      if (!nested) {
        set(root, path, structuredClone(b));
        set(root, other, structuredClone(a));
      }
    }
  }
  return root;
}

function assertWellFormed(result: ValidationResult, filename: string): void {
  for (const d of result.diagnostics) {
    assert.ok(d.code in ErrorCodes, `unknown code ${d.code}`);
    assert.ok(d.severity === "error" || d.severity === "warning", `bad severity ${d.severity}`);
    assert.equal(typeof d.path, "string");
    assert.ok(d.path === "" || d.path.startsWith("/"), `not a JSON pointer: ${d.path}`);
    assert.equal(d.file, filename);
    assert.ok(typeof d.message === "string" && d.message.length > 0, "empty message");
    if (d.range) {
      assert.ok(d.range.start.line >= 1 && d.range.start.col >= 1, `bad range ${JSON.stringify(d.range)}`);
      assert.ok(d.range.end.offset >= d.range.start.offset, `inverted range ${JSON.stringify(d.range)}`);
    }
  }
  assert.equal(result.ok, !result.diagnostics.some((d) => d.severity === "error"));
}

let validSeen = 0;

/** A spec the validator accepts must plan for every target and draw as a graph. */
function assertUsableWhenValid(result: ValidationResult): void {
  if (!result.ok) return;
  validSeen++;
  const topology = result.topology;
  for (const target of ["dev", ...Object.keys(topology.targets ?? {})]) planDeployment(topology, target);
  topologyGraph(topology);
}

test("examples exist to mutate", () => {
  assert.ok(examples.length >= 4, `only ${examples.length} examples`);
});

test("structural mutations of valid specs give diagnostics, never exceptions", () => {
  validSeen = 0;
  const parsed = examples.map((e) => parse(e.source) as unknown);
  fc.assert(
    fc.property(fc.nat(), fc.array(op, { minLength: 1, maxLength: 4 }), fc.boolean(), (which, ops, asJson) => {
      const data = mutate(parsed[which % parsed.length], ops);
      // undefined (the whole document deleted) serialises to nothing: an empty file.
      const text = (asJson ? JSON.stringify(data) : stringify(data)) ?? "";
      const filename = asJson ? "mutated.json" : "mutated.yaml";
      const result = validateTopology(text, { filename });
      assertWellFormed(result, filename);
      assertUsableWhenValid(result);
    }),
    { numRuns: 400, seed: 20241101 },
  );
  // Some mutations keep a spec valid (e.g. a swapped port); those must have been planned.
  assert.ok(validSeen > 0, "no mutated spec stayed valid, so planning was never exercised");
});

test("random edits of spec text give diagnostics, never exceptions", () => {
  const edit = fc.record({
    which: fc.nat(),
    at: fc.nat(),
    remove: fc.nat({ max: 12 }),
    insert: fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom("\t", "\n", ": ", "- ", "[", "{", "}", "]", "&a ", "*a", "---\n", "? ", "\"", "'", "#", "!!str ", "<<: ")),
  });
  fc.assert(
    fc.property(fc.array(edit, { minLength: 1, maxLength: 3 }), (edits) => {
      let text = examples[edits[0]!.which % examples.length]!.source;
      for (const e of edits) {
        const at = e.at % (text.length + 1);
        text = text.slice(0, at) + e.insert + text.slice(at + e.remove);
      }
      const result = validateTopology(text, { filename: "edited.yaml" });
      assertWellFormed(result, "edited.yaml");
      assertUsableWhenValid(result);
    }),
    { numRuns: 400, seed: 20241102 },
  );
});

test("a __proto__ key is reported as data and pollutes nothing", () => {
  const result = validateTopology("version: 1\nname: x\n__proto__: { polluted: true }\nfleets: { __proto__: { image: a, port: 1 } }\n", { filename: "p.yaml" });
  assert.equal(result.ok, false);
  assert.equal(({} as Record<string, unknown>)["polluted"], undefined);
  assert.ok(result.diagnostics.some((d) => d.code === "EF_SPEC_SCHEMA_UNKNOWN_KEY" && d.path === "/__proto__"));
});
