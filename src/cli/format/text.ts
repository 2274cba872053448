/**
 * Diagnostics for people: `file:line:col severity CODE message`, a code frame
 * pointing at the problem, and a `fix:` line when we know one — the shape
 * compilers use, so editors and terminals make the location clickable.
 */
import { codeFrame, location, type Diagnostic } from "../../spec/diagnostics.js";
import type { Color } from "../io.js";
import { countBySeverity, plural, type FileReport } from "./report.js";

export interface TextOptions {
  /** Paints text when colors are on; identity otherwise. */
  paint?: (color: Color, text: string) => string;
  /** Print a line for files without problems (validate does; other commands only show problems). */
  showValid?: boolean;
}

const plain = (_: Color, text: string) => text;

export function formatDiagnosticText(d: Diagnostic, source: string, paint: TextOptions["paint"] = plain): string {
  const sevColor: Color = d.severity === "error" ? "red" : "yellow";
  const lines = [`${paint("bold", location(d))} ${paint(sevColor, d.severity)} ${paint("dim", d.code)} ${d.message}`];
  if (d.range && source !== "") lines.push(indent(codeFrame(source, d.range, 1, (c) => paint(sevColor, c))));
  if (d.suggestion) lines.push(`  ${paint("green", "fix:")} ${d.suggestion}`);
  return lines.join("\n");
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((l) => "  " + l)
    .join("\n");
}

export function formatText(reports: readonly FileReport[], options: TextOptions = {}): string {
  const paint = options.paint ?? plain;
  const blocks: string[] = [];
  for (const r of reports) {
    for (const d of r.diagnostics) blocks.push(formatDiagnosticText(d, r.source, paint));
    if (options.showValid && !r.diagnostics.some((d) => d.severity === "error")) {
      const warnings = r.diagnostics.length;
      blocks.push(`${paint("green", "✔")} ${r.file} is valid${warnings ? ` (${plural(warnings, "warning")})` : ""}`);
    }
  }
  const { errors, warnings } = countBySeverity(reports);
  if (errors > 0) {
    const bad = reports.filter((r) => r.diagnostics.some((d) => d.severity === "error")).length;
    const where = reports.length > 1 ? ` in ${bad} of ${plural(reports.length, "file")}` : "";
    blocks.push(`${paint("red", "✖")} ${plural(errors, "error")}${warnings ? ` and ${plural(warnings, "warning")}` : ""}${where}`);
  }
  return blocks.join("\n\n");
}
