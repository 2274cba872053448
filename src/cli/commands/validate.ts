/**
 * `edgeform validate <files…>`: check specs and report every problem at once.
 * Exit 0 when all are valid (warnings allowed), 1 when any has an error.
 */
import type { Command } from "commander";
import { createRequire } from "node:module";
import { ExitCode } from "../../errors.js";
import { formatOption } from "../command.js";
import { formatJson } from "../format/json.js";
import { formatSarif } from "../format/sarif.js";
import { formatText } from "../format/text.js";
import { paint, type Io } from "../io.js";
import { checkSpecFile, fileReport } from "../spec-input.js";

const FORMATS = ["text", "json", "sarif"] as const;

export function register(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command("validate")
    .description("Check topology specs: YAML syntax, the schema and the rules between sections.")
    .argument("<files...>", "spec files (YAML or JSON)")
    .option("-f, --format <format>", `output format: ${FORMATS.join(", ")}`, "text")
    .addHelpText(
      "after",
      `
Every problem of a file is reported at once, each with a stable code, its
file:line:col, the offending line and, where there is one, a fix.

Examples:
  edgeform validate topology.yaml
  edgeform validate examples/*.yaml --format json | jq '.diagnostics[].summary'
  edgeform validate topology.yaml --format sarif > edgeform.sarif   # for code-scanning UIs

Exit codes: 0 valid (warnings allowed), 1 invalid, 2 usage error, 3 internal error.`,
    )
    .action(async (files: string[], opts: { format?: string }) => {
      const format = formatOption(opts.format, FORMATS, "text");
      const reports = [];
      for (const file of files) reports.push(fileReport(await checkSpecFile(file, io)));
      if (format === "json") io.out(formatJson(reports));
      else if (format === "sarif") io.out(formatSarif(reports, { toolVersion: packageVersion() }));
      else io.out(formatText(reports, { paint: (c, t) => paint(io, c, t), showValid: true }));
      setExit(reports.some((r) => r.diagnostics.some((d) => d.severity === "error")) ? ExitCode.invalid : ExitCode.ok);
    });
}

function packageVersion(): string {
  return (createRequire(import.meta.url)("../../../../package.json") as { version: string }).version;
}
