/**
 * What the diagnostic formatters render: each checked file with its source
 * text (for code frames and byte offsets) and its diagnostics. Formatters are
 * pure functions of these reports, so tests need no files or processes.
 */
import type { Diagnostic } from "../../spec/diagnostics.js";

export interface FileReport {
  /** The file as the user named it. */
  file: string;
  /** Its text ("" when it could not be read). */
  source: string;
  diagnostics: Diagnostic[];
}

export function countBySeverity(reports: readonly FileReport[]): { errors: number; warnings: number } {
  let errors = 0;
  let warnings = 0;
  for (const r of reports) for (const d of r.diagnostics) d.severity === "error" ? errors++ : warnings++;
  return { errors, warnings };
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}
