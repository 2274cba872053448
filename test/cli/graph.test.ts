/** `edgeform graph` and the pure graph model/renderers behind it. */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runCli } from "../../src/cli/main.js";
import { dotString, renderDot } from "../../src/cli/format/graph-dot.js";
import { mermaidId, mermaidLabel, renderMermaid } from "../../src/cli/format/graph-mermaid.js";
import { topologyGraph, type TopologyGraph } from "../../src/plan/graph.js";
import { validateTopology, type Topology } from "../../src/spec/index.js";
import { captureIo } from "./cli-io.js";

const root = new URL("../../../", import.meta.url).pathname;
const examples = readdirSync(join(root, "examples")).filter((f) => f.endsWith(".yaml")).sort();

function load(file: string): Topology {
  const r = validateTopology(readFileSync(join(root, "examples", file), "utf8"), { filename: file });
  assert.ok(r.ok, file);
  return r.topology;
}

test("the quickstart graph: listener → routes → cache → fleet", () => {
  const g = topologyGraph(load("quickstart.yaml"));
  assert.deepEqual(g.nodes.map((n) => n.id), ["listener:web", "route:0", "route:1", "cache:edge", "fleet:web"]);
  assert.deepEqual(g.edges, [
    { from: "listener:web", to: "route:0" },
    { from: "route:0", to: "cache:edge" },
    { from: "cache:edge", to: "fleet:web", label: "miss" },
    { from: "listener:web", to: "route:1" },
    { from: "route:1", to: "cache:edge" },
  ]);
});

test("TCP listeners go straight to their fleet; routes bound to listeners only hang off those", () => {
  const g = topologyGraph(load("api-platform.yaml"));
  assert.ok(g.edges.some((e) => e.from === "listener:pg" && e.to === "fleet:postgres" && e.label === "consistent-hash"));
  assert.ok(!g.edges.some((e) => e.from === "listener:pg" && e.to.startsWith("route:")));
});

function assertClosed(g: TopologyGraph) {
  const ids = new Set(g.nodes.map((n) => n.id));
  assert.equal(ids.size, g.nodes.length, "node ids are unique");
  for (const e of g.edges) assert.ok(ids.has(e.from) && ids.has(e.to), `edge ${e.from} → ${e.to} joins declared nodes`);
}

for (const file of examples) {
  test(`graph of ${file}: every edge joins declared nodes, in both formats`, () => {
    const g = topologyGraph(load(file));
    assertClosed(g);
    const mermaid = renderMermaid(g);
    assert.match(mermaid, /^flowchart LR\n/);
    for (const n of g.nodes) assert.ok(mermaid.includes(`    ${mermaidId(n.id)}`), `${n.id} declared in mermaid`);
    const dot = renderDot(g);
    assert.match(dot, /^digraph "[^"]+" \{\n/);
    assert.match(dot, /\}$/);
    assert.equal(dot.split("{").length, dot.split("}").length, "balanced braces");
    assert.equal(dot.split("\n").filter((l) => l.includes(" -> ")).length, g.edges.length);
  });
}

test("labels are escaped for each format", () => {
  assert.equal(mermaidLabel(['say "hi"', "<b> & c"]), "say #quot;hi#quot;<br/>#lt;b#gt; #amp; c");
  assert.equal(dotString('a "b" \\ c\nd'), '"a \\"b\\" \\\\ c\\nd"');
  assert.equal(mermaidId("fleet:orders-canary"), "fleet_orders_canary");
});

test("edgeform graph prints Mermaid by default and DOT on request", async () => {
  const c = captureIo(root);
  assert.equal(await runCli(["graph", "examples/quickstart.yaml"], c.io), 0);
  assert.match(c.stdout(), /^flowchart LR/);
  const d = captureIo(root);
  assert.equal(await runCli(["graph", "examples/quickstart.yaml", "--format", "dot"], d.io), 0);
  assert.match(d.stdout(), /^digraph "quickstart"/);
});

test("edgeform graph on an invalid spec prints diagnostics to stderr and exits 1", async () => {
  const c = captureIo(root);
  assert.equal(await runCli(["graph", "test/spec/broken/unknown-fleet-route.yaml"], c.io), 1);
  assert.equal(c.stdout(), "");
  assert.match(c.stderr(), /unknown-fleet-route\.yaml:\d+:\d+ error EF_SPEC_UNKNOWN_FLEET/);
});

test("edgeform graph rejects an unknown format with exit 2", async () => {
  const c = captureIo(root);
  assert.equal(await runCli(["graph", "examples/quickstart.yaml", "--format", "png"], c.io), 2);
});
