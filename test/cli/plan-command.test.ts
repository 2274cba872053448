/** `edgeform plan`: the DeploymentPlan as JSON or a summary, for any defined target. */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runCli } from "../../src/cli/main.js";
import { planDeployment } from "../../src/plan/plan.js";
import { validateTopology } from "../../src/spec/index.js";
import { captureIo } from "./cli-io.js";

const root = new URL("../../../", import.meta.url).pathname;

async function run(args: string[]) {
  const c = captureIo(root);
  const code = await runCli(args, c.io);
  return { code, stdout: c.stdout(), stderr: c.stderr() };
}

test("plan --format json prints exactly the DeploymentPlan", async () => {
  const r = await run(["plan", "examples/quickstart.yaml", "--target", "local", "--format", "json"]);
  assert.equal(r.code, 0, r.stderr);
  const v = validateTopology(readFileSync(join(root, "examples/quickstart.yaml"), "utf8"));
  assert.ok(v.ok);
  assert.deepEqual(JSON.parse(r.stdout), JSON.parse(JSON.stringify(planDeployment(v.topology, "local"))));
});

test("plan defaults to the dev target and a readable summary", async () => {
  const r = await run(["plan", "examples/quickstart.yaml"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^plan for "quickstart" on target "dev" \(dev\)$/m);
  assert.match(r.stdout, /^routes \(2\)$/m);
  assert.match(r.stdout, /^ {2}default +\/ +→ web +cache edge +least-request +retry 2× on connect-failure, reset, 503$/m);
});

test("every example plans for every target it defines", async () => {
  for (const file of readdirSync(join(root, "examples")).filter((f) => f.endsWith(".yaml"))) {
    const v = validateTopology(readFileSync(join(root, "examples", file), "utf8"));
    assert.ok(v.ok, file);
    for (const target of ["dev", ...Object.keys(v.topology.targets ?? {})]) {
      const r = await run(["plan", `examples/${file}`, "-t", target]);
      assert.equal(r.code, 0, `${file} / ${target}: ${r.stderr}`);
      assert.match(r.stdout, new RegExp(`on target "${target}"`));
    }
  }
});

test("an unknown target exits 1 and suggests the closest one", async () => {
  const r = await run(["plan", "examples/aws-production.yaml", "--target", "prd"]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /EF_SPEC_UNKNOWN_TARGET: target "prd" is not defined/);
  assert.match(r.stderr, /did you mean "prod"\?/);
});

test("an invalid spec: text diagnostics on stderr, or the validate JSON document with --format json", async () => {
  const text = await run(["plan", "test/spec/broken/unknown-cache.yaml"]);
  assert.equal(text.code, 1);
  assert.match(text.stderr, /error EF_SPEC_UNKNOWN_CACHE/);
  assert.equal(text.stdout, "");
  const json = await run(["plan", "test/spec/broken/unknown-cache.yaml", "--format", "json"]);
  assert.equal(json.code, 1);
  const doc = JSON.parse(json.stdout);
  assert.equal(doc.valid, false);
  assert.equal(doc.diagnostics[0].code, "EF_SPEC_UNKNOWN_CACHE");
});

test("plan rejects an unknown format with exit 2", async () => {
  assert.equal((await run(["plan", "examples/quickstart.yaml", "--format", "yaml"])).code, 2);
});
