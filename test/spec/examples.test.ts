import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { validateTopologyFile } from "../../src/spec/index.js";
import { planDeployment } from "../../src/plan/index.js";

const examplesDir = new URL("../../../examples/", import.meta.url).pathname;
const examples = readdirSync(examplesDir).filter((f) => /\.(ya?ml|json)$/.test(f));

test("there are example specs", () => {
  assert.ok(examples.includes("quickstart.yaml"), "examples/quickstart.yaml exists");
});

for (const file of examples) {
  test(`example ${file} validates without errors and plans for every target`, async () => {
    const result = await validateTopologyFile(join(examplesDir, file));
    assert.deepEqual(result.diagnostics.filter((d) => d.severity === "error"), []);
    assert.ok(result.ok);
    for (const target of ["dev", ...Object.keys(result.topology.targets ?? {})]) {
      const plan = planDeployment(result.topology, target);
      assert.equal(plan.name, result.topology.name);
      assert.equal(plan.proxyConfig.listeners.length, result.topology.edge.listeners.length);
    }
  });
}
