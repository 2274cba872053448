/** A TopologyGraph as a Mermaid flowchart (renders on GitHub, GitLab and in most Markdown viewers). */
import type { GraphNode, GraphNodeKind, TopologyGraph } from "../../plan/graph.js";

const groups: Array<[GraphNodeKind, string]> = [["listener", "Listeners"], ["route", "Routes"], ["cache", "Caches"], ["fleet", "Fleets"]];

/** Mermaid ids are plain words; names may contain dashes and routes are numbered. */
export function mermaidId(id: string): string {
  return id.replace(/[^A-Za-z0-9_]/g, "_");
}

/** Text inside ["…"]: quotes and angle brackets as Mermaid entities, lines joined with <br/>. */
export function mermaidLabel(lines: readonly string[]): string {
  return lines.map((l) => l.replace(/&/g, "#amp;").replace(/"/g, "#quot;").replace(/</g, "#lt;").replace(/>/g, "#gt;")).join("<br/>");
}

function shape(n: GraphNode): string {
  const text = `"${mermaidLabel(n.label)}"`;
  switch (n.kind) {
    case "listener":
      return `([${text}])`;
    case "cache":
      return `[(${text})]`;
    case "fleet":
      return `[[${text}]]`;
    default:
      return `[${text}]`;
  }
}

export function renderMermaid(graph: TopologyGraph): string {
  const out = ["flowchart LR", `  %% ${graph.name.replace(/[\r\n]/g, " ")}: listeners → routes → caches → fleets`];
  for (const [kind, title] of groups) {
    const members = graph.nodes.filter((n) => n.kind === kind);
    if (members.length === 0) continue;
    out.push(`  subgraph ${kind}s [${title}]`);
    for (const n of members) out.push(`    ${mermaidId(n.id)}${shape(n)}`);
    out.push("  end");
  }
  for (const e of graph.edges) {
    out.push(`  ${mermaidId(e.from)} -->${e.label ? `|"${mermaidLabel([e.label])}"|` : ""} ${mermaidId(e.to)}`);
  }
  return out.join("\n");
}
