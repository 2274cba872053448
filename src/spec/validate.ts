/**
 * validateTopology: source text → a typed Topology, or every diagnostic the
 * file has (syntax, schema and semantic), deduplicated and ordered.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import type { ErrorCode } from "../errors.js";
import { fromPointer, normalizeDiagnostics, type Diagnostic, type PathSegment } from "./diagnostics.js";
import { loadSpecFile, loadSpecSource, type LoadedSpec } from "./load.js";
import { topologyJsonSchema } from "./schema.js";
import { semanticDiagnostics } from "./semantic.js";
import { suggest } from "./suggest.js";
import type { Topology } from "./types.js";
import { DURATION_PATTERN, SIZE_PATTERN } from "./units.js";

export type ValidationResult =
  | { ok: true; topology: Topology; diagnostics: Diagnostic[]; spec: LoadedSpec }
  | { ok: false; diagnostics: Diagnostic[]; spec: LoadedSpec };

let compiled: ValidateFunction | undefined;
function schemaValidator(): ValidateFunction {
  // Compiled once per process; compiling costs more than validating a large spec.
  compiled ??= new Ajv({ allErrors: true, verbose: true, strict: false, useDefaults: false, allowUnionTypes: true }).compile(topologyJsonSchema());
  return compiled;
}

export function validateTopology(source: string, options: { filename?: string } = {}): ValidationResult {
  return validateLoaded(loadSpecSource(source, options.filename ?? "<input>"));
}

export async function validateTopologyFile(file: string): Promise<ValidationResult> {
  return validateLoaded(await loadSpecFile(file));
}

export function validateLoaded(spec: LoadedSpec): ValidationResult {
  const diagnostics: Diagnostic[] = [...spec.diagnostics];
  if (spec.data !== undefined || spec.diagnostics.length === 0) {
    if (!isRecord(spec.data)) {
      diagnostics.push({
        code: "EF_SPEC_SCHEMA_TYPE",
        severity: "error",
        message: "the spec must be a mapping with keys version, name, fleets and edge",
        path: "",
        file: spec.file,
        range: spec.locate([]),
        suggestion: "start from `edgeform init`, which writes a commented starter spec",
      });
    } else if (spec.data["version"] !== undefined && spec.data["version"] !== 1) {
      diagnostics.push({
        code: "EF_SPEC_VERSION",
        severity: "error",
        message: `spec version ${JSON.stringify(spec.data["version"])} is not supported by this edgeform`,
        path: "/version",
        file: spec.file,
        range: spec.locate(["version"]),
        suggestion: "set `version: 1`, or upgrade edgeform",
      });
    } else {
      const validate = schemaValidator();
      if (!validate(spec.data)) diagnostics.push(...schemaDiagnostics(validate.errors ?? [], spec));
      diagnostics.push(...semanticDiagnostics(spec.data, spec));
    }
  }
  const all = normalizeDiagnostics(diagnostics);
  if (all.some((d) => d.severity === "error")) return { ok: false, diagnostics: all, spec };
  return { ok: true, topology: spec.data as Topology, diagnostics: all, spec };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

// ── ajv errors → diagnostics ────────────────────────────────────────────────

function schemaDiagnostics(errors: readonly ErrorObject[], spec: LoadedSpec): Diagnostic[] {
  return resolveUnions(errors, spec.data)
    .map((e) => toDiagnostic(e, spec))
    .filter((d): d is Diagnostic => d !== undefined);
}

/**
 * ajv reports every failing branch of an anyOf. Keep only the branch the user
 * meant (for targets: the one whose `provider` matches; otherwise the branch
 * that got furthest), or one "must be one of" diagnostic when every branch
 * failed on the value's kind itself.
 */
function resolveUnions(errors: readonly ErrorObject[], data: unknown): ErrorObject[] {
  const unions = errors.filter((e) => e.keyword === "anyOf");
  if (unions.length === 0) return [...errors];
  const dropped = new Set<ErrorObject>();
  for (const union of unions) {
    const prefix = union.schemaPath.slice(0, -"/anyOf".length) + "/anyOf/";
    const branches = new Map<number, ErrorObject[]>();
    for (const e of errors) {
      if (e === union || !e.schemaPath.startsWith(prefix) || !e.instancePath.startsWith(union.instancePath)) continue;
      const idx = Number(e.schemaPath.slice(prefix.length).split("/")[0]);
      branches.set(idx, [...(branches.get(idx) ?? []), e]);
    }
    const options = (union.parentSchema as { anyOf?: Array<Record<string, unknown>> } | undefined)?.anyOf ?? [];
    const value = valueAt(data, union.instancePath);
    // A branch is "wrong kind" when it failed at the union's own path on type or const.
    const shallow = (list: ErrorObject[]) =>
      list.every((e) => e.instancePath === union.instancePath && (e.keyword === "type" || e.keyword === "const"));
    let keep: number | undefined;
    const provider = isRecord(value) ? value["provider"] : undefined;
    if (provider !== undefined) {
      const byProvider = options.findIndex((o) => (o["properties"] as Record<string, { const?: unknown }> | undefined)?.["provider"]?.const === provider);
      if (byProvider >= 0) keep = byProvider;
    }
    if (keep === undefined) {
      const deep = [...branches.entries()].filter(([, list]) => !shallow(list));
      if (deep.length > 0) keep = deep.sort((a, b) => a[1].length - b[1].length)[0]![0];
    }
    for (const [idx, list] of branches) if (idx !== keep) list.forEach((e) => dropped.add(e));
    if (keep !== undefined) dropped.add(union);
    else union.params = { ...union.params, options };
  }
  return errors.filter((e) => !dropped.has(e));
}

function valueAt(data: unknown, pointer: string): unknown {
  let cur: unknown = data;
  for (const seg of fromPointer(pointer)) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[String(seg)];
  }
  return cur;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return `${typeof value} ${JSON.stringify(value)}`;
}

function toDiagnostic(e: ErrorObject, spec: LoadedSpec): Diagnostic | undefined {
  const path = fromPointer(e.instancePath);
  const where = e.instancePath === "" ? "the document" : e.instancePath.slice(1).replace(/\//g, ".");
  const value = valueAt(spec.data, e.instancePath);
  const base = (code: ErrorCode, message: string, at: readonly PathSegment[] = path, part: "key" | "value" = "value"): Diagnostic => ({
    code,
    severity: "error",
    message,
    path: "/" === e.instancePath ? "" : at.length === path.length ? e.instancePath : "/" + at.join("/"),
    file: spec.file,
    range: spec.locate(at, part),
  });
  const schema = e.parentSchema as Record<string, unknown> | undefined;
  switch (e.keyword) {
    case "additionalProperties": {
      const key = String(e.params["additionalProperty"]);
      const known = Object.keys((schema?.["properties"] as object | undefined) ?? {});
      const d = base("EF_SPEC_SCHEMA_UNKNOWN_KEY", `"${key}" is not a known key in ${where}`, [...path, key], "key");
      d.path = e.instancePath + "/" + key;
      const guess = suggest(key, known);
      if (guess) d.suggestion = `did you mean "${guess}"?`;
      else if (known.length) d.suggestion = `known keys: ${known.join(", ")}`;
      return d;
    }
    case "required": {
      const key = String(e.params["missingProperty"]);
      const d = base("EF_SPEC_SCHEMA_REQUIRED", `${where} is missing the required key "${key}"`, path, path.length ? "key" : "value");
      d.suggestion = `add \`${key}:\``;
      return d;
    }
    case "type":
      return base("EF_SPEC_SCHEMA_TYPE", `${where} must be ${article(String(e.params["type"]))}, not ${describe(value)}`);
    case "const":
    case "enum": {
      const allowed = e.keyword === "const" ? [e.params["allowedValue"]] : (e.params["allowedValues"] as unknown[]);
      return enumDiagnostic(base, where, value, allowed);
    }
    case "anyOf": {
      const options = (e.params["options"] as Array<Record<string, unknown>> | undefined) ?? [];
      const consts = options.map((o) => o["const"]).filter((c) => c !== undefined);
      if (consts.length === options.length && consts.length > 0) return enumDiagnostic(base, where, value, consts);
      const kinds = [...new Set(options.map((o) => (o["type"] === "object" ? "a mapping" : article(String(o["type"])))))];
      return base("EF_SPEC_SCHEMA_TYPE", `${where} must be ${kinds.join(" or ")}, not ${describe(value)}`);
    }
    case "minimum":
    case "maximum":
    case "exclusiveMinimum":
    case "exclusiveMaximum":
      return base("EF_SPEC_SCHEMA_RANGE", `${where} must be ${e.message?.replace(/^must be /, "")}, got ${JSON.stringify(value)}`);
    case "pattern": {
      const pattern = String(e.params["pattern"]);
      const d = base("EF_SPEC_SCHEMA_FORMAT", `${where} has a bad format: ${JSON.stringify(value)}`);
      if (pattern === DURATION_PATTERN) {
        d.message = `${where} must be a duration like "500ms", "5s" or "1m", got ${JSON.stringify(value)}`;
        d.suggestion = typeof value === "string" && /^[0-9.]+$/.test(value) ? `add a unit: "${value}s" or "${value}ms"` : "use a number followed by ms, s, m, h or d";
      } else if (pattern === SIZE_PATTERN) {
        d.message = `${where} must be a size like "256MiB" or "1GiB", got ${JSON.stringify(value)}`;
        d.suggestion = "use a number followed by B, KiB, MiB, GiB (or KB, MB, GB)";
      } else if (typeof schema?.["description"] === "string") {
        d.suggestion = schema["description"];
      }
      return d;
    }
    case "minItems":
    case "maxItems":
    case "minLength":
    case "maxLength":
    case "minProperties":
    case "maxProperties":
      return base("EF_SPEC_SCHEMA_LENGTH", `${where} ${e.message}`);
    case "propertyNames":
      return undefined; // the nested pattern error names the key itself
    case "uniqueItems":
      return base("EF_SPEC_SCHEMA", `${where} has duplicate items (${e.message})`);
    default:
      return base("EF_SPEC_SCHEMA", `${where} ${e.message ?? "does not match the schema"}`);
  }
}

function enumDiagnostic(
  base: (code: ErrorCode, message: string) => Diagnostic,
  where: string,
  value: unknown,
  allowed: unknown[],
): Diagnostic {
  const list = allowed.map((a) => JSON.stringify(a)).join(", ");
  const d = base("EF_SPEC_SCHEMA_ENUM", `${where} must be one of ${list}, got ${JSON.stringify(value)}`);
  const guess = typeof value === "string" ? suggest(value, allowed.filter((a): a is string => typeof a === "string")) : undefined;
  if (guess) d.suggestion = `did you mean "${guess}"?`;
  return d;
}

function article(type: string): string {
  const word = type === "object" ? "mapping" : type === "array" ? "list" : type;
  return /^[aeiou]/.test(word) ? `an ${word}` : `a ${word}`;
}
