/** How the harness decides what a second `up` does, checked without Docker. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { StackState } from "./stack-state.js";

const C = "docker:index/container:Container";
const deployed = (key: string, inputs: Record<string, unknown>) => ({ key, inputs, id: `id-${key}`, state: inputs, created: [] });

test("unchanged inputs are left alone, changed ones replaced, undeclared ones deleted at the end (newest first)", () => {
  const state = new StackState();
  state.begin();
  for (const [key, inputs] of [["net", { name: "n" }], ["a", { name: "a", image: "x" }], ["b", { name: "b", labels: [{ label: "k", value: "v" }] }], ["c", { name: "c" }], ["d", { name: "d" }]] as const) {
    assert.equal(state.diff(key, C, inputs).kind, "create");
    state.record(deployed(key, inputs));
  }
  state.finish();

  state.begin();
  assert.equal(state.diff("net", "docker:index/network:Network", { name: "n" }).kind, "same");
  const a = state.diff("a", C, { image: "y", name: "a" });
  assert.equal(a.kind, "replace");
  assert.deepEqual(a.kind === "replace" ? a.changed : [], ["image"]);
  // Key order is not a change.
  assert.equal(state.diff("b", C, { labels: [{ value: "v", label: "k" }], name: "b" }).kind, "same");
  if (a.kind === "replace") state.deleteLater(a.previous);
  state.record(deployed("a", { name: "a", image: "y" }));
  // c and d are no longer declared.
  assert.deepEqual(state.finish().map((d) => `${d.key}:${String(d.inputs["image"] ?? "")}`), ["a:x", "d:", "c:"]);
});

test("a change the provider would apply in place is refused, not replaced", () => {
  const state = new StackState();
  state.begin();
  state.diff("a", C, { name: "a", memory: 256 });
  state.record(deployed("a", { name: "a", memory: 256 }));
  state.finish();
  state.begin();
  assert.throws(() => state.diff("a", C, { name: "a", memory: 512 }), /memory changed, which the Docker provider updates in place/);
});

test("a resource declared twice in one run is an error", () => {
  const state = new StackState();
  state.begin();
  state.diff("a", C, {});
  assert.throws(() => state.diff("a", C, {}), /declared twice/);
});
