/**
 * How every command reads a spec: resolve the path against the working
 * directory, validate it with the same checks as `edgeform validate`, and on
 * failure print the diagnostics the way `validate` does. Commands then only
 * handle the valid case.
 */
import { isAbsolute, resolve } from "node:path";
import { ExitCode } from "../errors.js";
import { validateTopologyFile, type ValidationResult } from "../spec/validate.js";
import type { Topology } from "../spec/types.js";
import { formatJson } from "./format/json.js";
import type { FileReport } from "./format/report.js";
import { formatText } from "./format/text.js";
import { paint, type Io } from "./io.js";

export type SpecInput = { ok: true; topology: Topology; result: ValidationResult } | { ok: false; exit: number };

/** Validate one spec file as named on the command line (relative to io.cwd). */
export async function checkSpecFile(file: string, io: Io): Promise<ValidationResult> {
  return validateTopologyFile(isAbsolute(file) ? file : resolve(io.cwd, file), { filename: file });
}

export function fileReport(result: ValidationResult): FileReport {
  return { file: result.spec.file, source: result.spec.source, diagnostics: result.diagnostics };
}

/**
 * Read a spec for a command that needs a valid one. Invalid: diagnostics go
 * to stderr as text, or to stdout as the `validate --format json` document
 * when the command was asked for JSON (so scripts parse one shape), and the
 * command should exit 1. Warnings of a valid spec go to stderr.
 */
export async function readValidSpec(file: string, io: Io, format: "text" | "json" = "text"): Promise<SpecInput> {
  const result = await checkSpecFile(file, io);
  const report = [fileReport(result)];
  if (!result.ok) {
    if (format === "json") io.out(formatJson(report));
    else io.err(formatText(report, { paint: (c, t) => paint(io, c, t) }));
    return { ok: false, exit: ExitCode.invalid };
  }
  if (result.diagnostics.length > 0) io.err(formatText(report, { paint: (c, t) => paint(io, c, t) }));
  return { ok: true, topology: result.topology, result };
}
