/** `edgeform init`: a starter spec that validates, never clobbering a file. */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { after, test } from "node:test";
import fc from "fast-check";
import { nameFromDir } from "../../src/cli/commands/init.js";
import { runCli } from "../../src/cli/main.js";
import { starterSpec } from "../../src/cli/starter-spec.js";
import { planDeployment } from "../../src/plan/plan.js";
import { validateTopology } from "../../src/spec/index.js";
import { captureIo } from "./cli-io.js";

const dir = mkdtempSync(join(tmpdir(), "edgeform-init-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("init writes topology.yaml that validates cleanly and plans for every target", async () => {
  const c = captureIo(dir);
  assert.equal(await runCli(["init", "My Shop"], c.io), 0, c.stderr());
  const file = join(dir, "My Shop", "topology.yaml");
  const text = readFileSync(file, "utf8");
  const r = validateTopology(text, { filename: file });
  assert.ok(r.ok);
  assert.deepEqual(r.diagnostics, [], "no warnings either");
  assert.equal(r.topology.name, "my-shop");
  for (const t of ["dev", ...Object.keys(r.topology.targets ?? {})]) planDeployment(r.topology, t);
  assert.match(c.stderr(), /wrote My Shop\/topology\.yaml/);
  assert.equal(c.stdout(), "", "progress goes to stderr");
});

test("the $schema comment points at the schema file that ships with edgeform", async () => {
  const c = captureIo(dir);
  assert.equal(await runCli(["init", "schema-check"], c.io), 0);
  const file = join(dir, "schema-check", "topology.yaml");
  const first = readFileSync(file, "utf8").split("\n")[0]!;
  const m = /^# yaml-language-server: \$schema=(.+)$/.exec(first);
  assert.ok(m, first);
  const schemaPath = resolve(dirname(file), m[1]!);
  assert.ok(existsSync(schemaPath), schemaPath);
  assert.equal(JSON.parse(readFileSync(schemaPath, "utf8")).title, "edgeform topology");
});

test("init refuses to overwrite an existing spec (exit 1) unless --force", async () => {
  const target = join(dir, "existing");
  const c1 = captureIo(dir);
  assert.equal(await runCli(["init", "existing"], c1.io), 0);
  writeFileSync(join(target, "topology.yaml"), "# mine\n");
  const c2 = captureIo(dir);
  assert.equal(await runCli(["init", "existing"], c2.io), 1);
  assert.match(c2.stderr(), /EF_CLI_FILE_EXISTS: existing\/topology\.yaml already exists/);
  assert.match(c2.stderr(), /--force/);
  assert.equal(readFileSync(join(target, "topology.yaml"), "utf8"), "# mine\n", "left untouched");
  const c3 = captureIo(dir);
  assert.equal(await runCli(["init", "existing", "--force"], c3.io), 0);
  assert.ok(validateTopology(readFileSync(join(target, "topology.yaml"), "utf8")).ok);
});

test("init --name sets the topology name; an invalid name is a usage error", async () => {
  const c = captureIo(dir);
  assert.equal(await runCli(["init", "named", "--name", "edge-prod"], c.io), 0);
  assert.match(readFileSync(join(dir, "named", "topology.yaml"), "utf8"), /^name: edge-prod$/m);
  const bad = captureIo(dir);
  assert.equal(await runCli(["init", "bad", "--name", "Edge Prod"], bad.io), 2);
  assert.match(bad.stderr(), /"edge-prod"/);
  assert.ok(!existsSync(join(dir, "bad", "topology.yaml")));
});

test("whatever the directory is called, the starter spec validates", () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 60 }), (dirName) => {
      const r = validateTopology(starterSpec({ name: nameFromDir(dirName), schema: "x.json" }));
      assert.ok(r.ok, `${JSON.stringify(dirName)} → ${nameFromDir(dirName)}: ${r.diagnostics.map((d) => d.message).join("; ")}`);
    }),
    { numRuns: 300, seed: 42 },
  );
});
