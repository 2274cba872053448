/**
 * The shape of a topology as a graph: listeners → routes → caches → fleets.
 * Pure (Topology in, nodes and edges out); renderers turn it into Mermaid or
 * Graphviz text. Labels are lists of lines; renderers decide how to break them.
 */
import type { RouteSpec, Topology } from "../spec/types.js";

export type GraphNodeKind = "listener" | "route" | "cache" | "fleet";

export interface GraphNode {
  /** Unique and stable: "<kind>:<name or index>". */
  id: string;
  kind: GraphNodeKind;
  label: string[];
}

export interface GraphEdge {
  from: string;
  to: string;
  label?: string;
}

export interface TopologyGraph {
  name: string;
  nodes: GraphNode[];
  edges: GraphEdge[];
}

export function topologyGraph(topology: Topology): TopologyGraph {
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  const edgeKeys = new Set<string>();
  const addEdge = (e: GraphEdge) => {
    const key = `${e.from}\0${e.to}\0${e.label ?? ""}`;
    if (edgeKeys.has(key)) return;
    edgeKeys.add(key);
    edges.push(e);
  };
  const listeners = topology.edge.listeners;
  const httpListeners = listeners.filter((l) => l.protocol === "http").map((l) => l.name);
  for (const l of listeners) {
    nodes.push({ id: `listener:${l.name}`, kind: "listener", label: [l.name, `${l.protocol} :${l.port}`] });
    if (l.protocol === "tcp" && l.fleet !== undefined) addEdge({ from: `listener:${l.name}`, to: `fleet:${l.fleet}`, label: l.balancer?.algorithm ?? "round-robin" });
  }
  (topology.edge.routes ?? []).forEach((r, i) => {
    const id = `route:${i}`;
    nodes.push({ id, kind: "route", label: [r.name ?? `route ${i + 1}`, matchText(r), r.balancer?.algorithm ?? "round-robin"] });
    for (const l of r.listeners ?? httpListeners) addEdge({ from: `listener:${l}`, to: id });
    if (r.cache !== undefined) {
      addEdge({ from: id, to: `cache:${r.cache}` });
      addEdge({ from: `cache:${r.cache}`, to: `fleet:${r.fleet}`, label: "miss" });
    } else {
      addEdge({ from: id, to: `fleet:${r.fleet}` });
    }
  });
  for (const [name, c] of Object.entries(topology.caches ?? {})) {
    const tiers = [`memory ${c.memory?.maxBytes ?? "default size"}`];
    if (c.redis) tiers.push(`redis ${c.redis.maxMemory}`);
    nodes.push({ id: `cache:${name}`, kind: "cache", label: [name, tiers.join(" + ")] });
  }
  for (const [name, f] of Object.entries(topology.fleets)) {
    const what = f.image !== undefined
      ? `${f.image} ×${f.replicas ?? 1}`
      : `${f.endpoints?.length ?? 0} endpoint${f.endpoints?.length === 1 ? "" : "s"}${f.discovery?.type === "dns" ? " (dns)" : ""}`;
    nodes.push({ id: `fleet:${name}`, kind: "fleet", label: [name, what] });
  }
  return { name: topology.name, nodes, edges };
}

function matchText(r: RouteSpec): string {
  const parts = [`${r.match.host ?? ""}${r.match.pathPrefix ?? "/"}`];
  for (const [k, v] of Object.entries(r.match.headers ?? {})) parts.push(`${k}: ${v}`);
  return parts.join(" ");
}
