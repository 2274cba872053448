/**
 * Diagnostics as SARIF 2.1.0, the format code-scanning UIs (GitHub, GitLab,
 * VS Code's SARIF viewer) read: one run of the "edgeform" tool whose rules are
 * the error catalogue, and one result per diagnostic with its location.
 */
import { pathToFileURL } from "node:url";
import { ErrorCodes, type ErrorCode } from "../../errors.js";
import { displayPath, type Diagnostic } from "../../spec/diagnostics.js";
import type { FileReport } from "./report.js";

export const SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json";

export interface SarifOptions {
  toolVersion: string;
  informationUri?: string;
}

interface SarifRule {
  id: string;
  name: string;
  shortDescription: { text: string };
  defaultConfiguration: { level: "error" | "warning" };
  helpUri?: string;
}

/** The rules: every spec code in the catalogue, plus any other code a result uses. */
function rulesFor(reports: readonly FileReport[], informationUri: string | undefined): SarifRule[] {
  const used = new Set(reports.flatMap((r) => r.diagnostics.map((d) => d.code)));
  const codes = (Object.keys(ErrorCodes) as ErrorCode[]).filter((c) => c.startsWith("EF_SPEC_") || used.has(c));
  return codes.map((code) => {
    const rule: SarifRule = {
      id: code,
      name: pascal(code.replace(/^EF_/, "")),
      shortDescription: { text: ErrorCodes[code] },
      // Warnings in the catalogue are the exception; a result carries its actual level.
      defaultConfiguration: { level: "error" },
    };
    if (informationUri) rule.helpUri = `${informationUri}#${code.toLowerCase()}`;
    return rule;
  });
}

/** A relative path stays relative (code scanning resolves it against the repository root). */
export function artifactUri(file: string): string {
  if (/^[A-Za-z]:[\\/]/.test(file) || file.startsWith("/")) return pathToFileURL(file).href;
  return file.split(/[\\/]/).map(encodeURIComponent).join("/");
}

export function sarifReport(reports: readonly FileReport[], options: SarifOptions): Record<string, unknown> {
  const rules = rulesFor(reports, options.informationUri);
  const ruleIndex = new Map(rules.map((r, i) => [r.id, i]));
  const artifacts = reports.map((r) => ({ location: { uri: artifactUri(r.file) } }));
  const results = reports.flatMap((r, fileIndex) =>
    r.diagnostics.map((d) => result(d, r.source, fileIndex, artifacts[fileIndex]!.location.uri, ruleIndex.get(d.code)!)),
  );
  const driver: Record<string, unknown> = { name: "edgeform", version: options.toolVersion, semanticVersion: options.toolVersion, rules };
  if (options.informationUri) driver["informationUri"] = options.informationUri;
  return {
    $schema: SARIF_SCHEMA,
    version: "2.1.0",
    runs: [{ tool: { driver }, artifacts, results, columnKind: "utf16CodeUnits" }],
  };
}

export function formatSarif(reports: readonly FileReport[], options: SarifOptions): string {
  return JSON.stringify(sarifReport(reports, options), null, 2);
}

function result(d: Diagnostic, source: string, fileIndex: number, uri: string, ruleIndex: number): Record<string, unknown> {
  const physicalLocation: Record<string, unknown> = { artifactLocation: { uri, index: fileIndex } };
  if (d.range) {
    const region: Record<string, unknown> = {
      startLine: d.range.start.line,
      startColumn: d.range.start.col,
      endLine: d.range.end.line,
      endColumn: d.range.end.col,
      charOffset: d.range.start.offset,
      charLength: Math.max(0, d.range.end.offset - d.range.start.offset),
    };
    const line = source.split(/\r?\n/)[d.range.start.line - 1];
    if (line !== undefined) region["snippet"] = { text: line };
    physicalLocation["region"] = region;
  }
  const location: Record<string, unknown> = { physicalLocation };
  if (d.path !== "") location["logicalLocations"] = [{ fullyQualifiedName: displayPath(d.path), kind: "member" }];
  const out: Record<string, unknown> = {
    ruleId: d.code,
    ruleIndex,
    level: d.severity,
    message: { text: d.suggestion ? `${d.message}. Fix: ${d.suggestion}` : d.message },
    locations: [location],
    properties: { path: d.path, ...(d.suggestion ? { suggestion: d.suggestion } : {}) },
  };
  return out;
}

function pascal(s: string): string {
  return s
    .toLowerCase()
    .split("_")
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join("");
}
