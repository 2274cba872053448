/**
 * validateTopology: source text → a typed Topology, or every diagnostic the
 * file has (syntax, schema and semantic), deduplicated and ordered.
 */
import { Ajv, type ValidateFunction } from "ajv";
import { normalizeDiagnostics, type Diagnostic } from "./diagnostics.js";
import { loadSpecFile, loadSpecSource, type LoadedSpec } from "./load.js";
import { topologyJsonSchema } from "./schema.js";
import { describe, schemaDiagnostics, show } from "./schema-errors.js";
import { semanticDiagnostics } from "./semantic.js";
import type { Topology } from "./types.js";

export type ValidationResult =
  | { ok: true; topology: Topology; diagnostics: Diagnostic[]; spec: LoadedSpec }
  | { ok: false; diagnostics: Diagnostic[]; spec: LoadedSpec };

let compiled: ValidateFunction | undefined;
function schemaValidator(): ValidateFunction {
  // Compiled once per process; compiling costs more than validating a large spec.
  compiled ??= new Ajv({ allErrors: true, verbose: true, strict: false, useDefaults: false, allowUnionTypes: true }).compile(topologyJsonSchema());
  return compiled;
}

/** `dir`: the directory `{ file }` references are relative to (default: the file's, or the current directory). */
export function validateTopology(source: string, options: { filename?: string; dir?: string } = {}): ValidationResult {
  const spec = loadSpecSource(source, options.filename ?? "<input>");
  return validateLoaded(options.dir === undefined ? spec : { ...spec, dir: options.dir });
}

/** Read and validate a file. `filename` is how diagnostics name it (default: the path as given). */
export async function validateTopologyFile(file: string, options: { filename?: string } = {}): Promise<ValidationResult> {
  return validateLoaded(await loadSpecFile(file, options));
}

export function validateLoaded(spec: LoadedSpec): ValidationResult {
  const diagnostics: Diagnostic[] = [...spec.diagnostics];
  if (spec.data !== undefined || spec.diagnostics.length === 0) {
    if (!isRecord(spec.data)) {
      const empty = spec.data === null || spec.data === undefined;
      diagnostics.push({
        code: "EF_SPEC_SCHEMA_TYPE",
        severity: "error",
        message: empty
          ? "the spec is empty: it needs the keys version, name, fleets and edge"
          : `the spec must be a mapping with the keys version, name, fleets and edge, not ${describe(spec.data)}`,
        path: "",
        file: spec.file,
        range: spec.locate([]) ?? { start: { line: 1, col: 1, offset: 0 }, end: { line: 1, col: 1, offset: 0 } },
        suggestion: "start from `edgeform init`, which writes a commented starter spec",
      });
    } else if (spec.data["version"] !== undefined && spec.data["version"] !== 1) {
      diagnostics.push({
        code: "EF_SPEC_VERSION",
        severity: "error",
        message: `spec version ${show(spec.data["version"])} is not supported by this edgeform, which reads version 1`,
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
  // Read by the fast parser and something to report: report it from the precise one.
  if (all.length > 0 && spec.precise) {
    const precise = spec.precise();
    return validateLoaded(spec.dir === undefined ? precise : { ...precise, dir: spec.dir });
  }
  if (all.some((d) => d.severity === "error")) return { ok: false, diagnostics: all, spec };
  return { ok: true, topology: spec.data as Topology, diagnostics: all, spec };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

