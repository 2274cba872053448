import { readFileSync } from "node:fs";
import { EdgeformError } from "../errors.js";
import { location } from "./diagnostics.js";
import type { Topology } from "./types.js";
import { validateTopology } from "./validate.js";

/**
 * Synchronous load-and-validate for Pulumi programs:
 * `new CdnTopology("shop", { spec: loadSpec("topology.yaml"), target: "local" })`.
 * Throws one EdgeformError listing every diagnostic when the spec is invalid.
 */
export function loadSpec(file: string): Topology {
  let source: string;
  try {
    source = readFileSync(file, "utf8");
  } catch (e) {
    throw new EdgeformError("EF_SPEC_IO", `cannot read spec ${file}: ${(e as Error).message}`, { hint: "check the path (it is relative to the working directory)" });
  }
  const result = validateTopology(source, { filename: file });
  if (!result.ok) {
    const lines = result.diagnostics
      .filter((d) => d.severity === "error")
      .map((d) => `  ${location(d)} ${d.code}: ${d.message}${d.suggestion ? ` (${d.suggestion})` : ""}`);
    throw new EdgeformError(result.diagnostics[0]!.code, `spec ${file} is invalid:\n${lines.join("\n")}`, { hint: `run \`edgeform validate ${file}\` for details` });
  }
  return result.topology;
}
