/** A TopologyGraph as Graphviz DOT (`edgeform graph spec.yaml --format dot | dot -Tsvg > topology.svg`). */
import type { GraphNodeKind, TopologyGraph } from "../../plan/graph.js";

const groups: Array<[GraphNodeKind, string, string]> = [
  ["listener", "Listeners", 'shape=box, style="rounded"'],
  ["route", "Routes", "shape=box"],
  ["cache", "Caches", "shape=cylinder"],
  ["fleet", "Fleets", 'shape=box, style="bold"'],
];

/** A DOT double-quoted string. */
export function dotString(text: string): string {
  return `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\r?\n/g, "\\n")}"`;
}

export function renderDot(graph: TopologyGraph): string {
  const out = [`digraph ${dotString(graph.name)} {`, "  rankdir=LR;", '  node [fontname="Helvetica", fontsize=11];', '  edge [fontname="Helvetica", fontsize=9];'];
  for (const [kind, title, style] of groups) {
    const members = graph.nodes.filter((n) => n.kind === kind);
    if (members.length === 0) continue;
    out.push(`  subgraph cluster_${kind}s {`, `    label=${dotString(title)};`, "    color=grey;");
    for (const n of members) out.push(`    ${dotString(n.id)} [label=${dotString(n.label.join("\n"))}, ${style}];`);
    out.push("  }");
  }
  for (const e of graph.edges) out.push(`  ${dotString(e.from)} -> ${dotString(e.to)}${e.label ? ` [label=${dotString(e.label)}]` : ""};`);
  out.push("}");
  return out.join("\n");
}
