/**
 * The Pulumi program itself (stacks/index.ts, what `pulumi up` runs after
 * `npm run build`): it reads its spec and target from stack config and fails
 * on an invalid spec with the same diagnostics the CLI prints.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { before, test } from "node:test";
import { parse } from "yaml";
import { loadSpec } from "../../src/spec/load-spec.js";
import { runScenarios, type ScenarioResult } from "./support/run.js";

const root = new URL("../../../", import.meta.url).pathname;
let results: Map<string, ScenarioResult>;
before(async () => {
  results = await runScenarios([["stack-program", "preview"], ["stack-program", "update"], ["stack-program-invalid-spec", "preview"]]);
});

test("Pulumi.yaml runs the built stacks program with the nodejs runtime", async () => {
  const project = parse(readFileSync(join(root, "Pulumi.yaml"), "utf8")) as { name: string; runtime: { name: string; options: { typescript: boolean } }; main: string; stackConfigDir: string };
  assert.equal(project.runtime.name, "nodejs");
  assert.equal(project.runtime.options.typescript, false);
  assert.equal(project.main, "dist/stacks/index.js");
  assert.ok(existsSync(join(root, project.main)), "npm run build produces the program");
  const program = (await import(join(root, project.main))) as Record<string, unknown>;
  assert.deepEqual(Object.keys(program), ["default"], "Pulumi accepts a default export or named exports, not both");
  assert.equal(typeof program["default"], "function");
});

test("the example stack files name a spec and a target that exist", () => {
  const project = parse(readFileSync(join(root, "Pulumi.yaml"), "utf8")) as { stackConfigDir: string };
  for (const stack of ["local", "aws"]) {
    const file = join(root, project.stackConfigDir, `Pulumi.${stack}.yaml`);
    const config = (parse(readFileSync(file, "utf8")) as { config: Record<string, string> }).config;
    const spec = loadSpec(join(root, config["edgeform:spec"]!));
    assert.ok(spec.targets?.[config["edgeform:target"]!], `${file}: target ${config["edgeform:target"]} exists`);
    assert.ok(!Object.keys(config).some((k) => /password|token|secret/i.test(k)), `${file} holds no secrets`);
  }
});

for (const mode of ["preview", "update"] as const) {
  test(`the program reads edgeform:spec and edgeform:target from config and exports the URLs (${mode})`, () => {
    const r = results.get(`stack-program/${mode}`)!;
    assert.equal(r.error, undefined, r.error?.message);
    assert.deepEqual(r.outputs, { topology: "quickstart", target: "local", publicUrls: ["http://127.0.0.1:8080"], prometheusUrl: "http://localhost:9090" });
    assert.ok(r.resources.some((x) => x.type === "edgeform:components:CdnTopology" && x.name === "quickstart"));
  });
}

test("an invalid spec fails the program with the same diagnostics as the CLI", () => {
  const r = results.get("stack-program-invalid-spec/preview")!;
  assert.ok(r.error, "the program fails");
  const cli = spawnSync(process.execPath, [join(root, "bin", "edgeform.js"), "preview", join(root, "test/components/fixtures/invalid.yaml"), "--target", "local"], { encoding: "utf8", timeout: 60_000 });
  assert.equal(cli.status, 1);
  const diagnostics = cli.stderr.split("\n").filter((l) => /^\s+\S+:\d+:\d+ EF_/.test(l));
  assert.ok(diagnostics.length > 0, cli.stderr);
  for (const line of diagnostics) assert.ok(r.error!.message.includes(line.trim()), `the program reports: ${line.trim()}`);
  assert.match(r.error!.message, /^EF_SPEC_UNKNOWN_FLEET: /);
});
