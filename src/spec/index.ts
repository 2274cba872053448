/** The spec API: load, validate and type topology specs. */
export * from "./types.js";
export { validateTopology, validateTopologyFile, validateLoaded, type ValidationResult } from "./validate.js";
export { loadSpecFile, loadSpecSource, type LoadedSpec } from "./load.js";
export { codeFrame, displayPath, location, toPointer, fromPointer, normalizeDiagnostics, type Diagnostic, type Severity, type SourceRange, type Position } from "./diagnostics.js";
export { parseDuration, parseSize, ms, bytes, seconds } from "./units.js";
export { TopologySchema, topologyJsonSchema, SCHEMA_ID, Algorithms, RetryConditions } from "./schema.js";
export { loadSpec } from "./load-spec.js";
