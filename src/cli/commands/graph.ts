/** `edgeform graph <spec>`: draw listeners → routes → caches → fleets as Mermaid or DOT. */
import type { Command } from "commander";
import { topologyGraph } from "../../plan/graph.js";
import { formatOption } from "../command.js";
import { renderDot } from "../format/graph-dot.js";
import { renderMermaid } from "../format/graph-mermaid.js";
import type { Io } from "../io.js";
import { readValidSpec } from "../spec-input.js";

const FORMATS = ["mermaid", "dot"] as const;

export function register(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command("graph")
    .description("Draw a topology: listeners → routes → caches → fleets.")
    .argument("<spec>", "spec file (YAML or JSON)")
    .option("-f, --format <format>", `output format: ${FORMATS.join(", ")}`, "mermaid")
    .addHelpText(
      "after",
      `
Examples:
  edgeform graph topology.yaml                          Mermaid; paste into a \`\`\`mermaid block
  edgeform graph topology.yaml --format dot | dot -Tsvg > topology.svg

An invalid spec is reported as by \`edgeform validate\` (exit 1).`,
    )
    .action(async (spec: string, opts: { format?: string }) => {
      const format = formatOption(opts.format, FORMATS, "mermaid");
      const input = await readValidSpec(spec, io);
      if (!input.ok) return setExit(input.exit);
      const graph = topologyGraph(input.topology);
      io.out(format === "dot" ? renderDot(graph) : renderMermaid(graph));
    });
}
