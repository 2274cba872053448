/** `up`/`destroy`/`preview` target checks and `up --format json` failures (issue #17). */
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { runCli } from "../../src/cli/main.js";
import { captureIo } from "./cli-io.js";

const examples = new URL("../../../examples/", import.meta.url).pathname;
let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "edgeform-live-cli-"));
  const quickstart = await readFile(join(examples, "quickstart.yaml"), "utf8");
  await writeFile(join(dir, "two.yaml"), `${quickstart}  prod: { provider: aws, region: eu-west-1 }\n`);
  await writeFile(join(dir, "broken.yaml"), quickstart.replace("replicas: 3", "replicas: three"));
});
after(async () => {
  // Unset when a name filter skipped the `before` hook.
  if (dir) await rm(dir, { recursive: true, force: true });
});

test("preview's unknown-target fix offers only targets preview accepts", async () => {
  const cap = captureIo(dir);
  assert.equal(await runCli(["preview", "two.yaml", "--target", "prdo"], cap.io), 1);
  assert.match(cap.stderr(), /EF_SPEC_UNKNOWN_TARGET: "prdo" is not a docker or aws target/);
  assert.match(cap.stderr(), /fix: did you mean "prod"\? docker and aws targets in this spec: local, prod/);
  assert.doesNotMatch(cap.stderr(), /\bdev\b/, "dev is never offered: preview refuses it");
});

test("preview --target dev is refused with the targets it can preview", async () => {
  const cap = captureIo(dir);
  assert.equal(await runCli(["preview", "two.yaml", "--target", "dev"], cap.io), 2);
  assert.match(cap.stderr(), /runs with `edgeform dev`, not Pulumi\n {2}fix: docker and aws targets in this spec: local, prod/);
});

test("up --format json prints a JSON error on stdout when it fails, with the usual exit code", async () => {
  const cap = captureIo(dir);
  const code = await runCli(["up", "two.yaml", "--target", "local", "--format", "json"], { ...cap.io, env: { PATH: join(dir, "no-such-dir") } });
  assert.equal(code, 2);
  const doc = JSON.parse(cap.stdout()) as { action: string; ok: boolean; error: { code: string; message: string; hint?: string } };
  assert.equal(doc.action, "up");
  assert.equal(doc.ok, false);
  assert.equal(doc.error.code, "EF_PULUMI_CLI_MISSING");
  assert.ok(doc.error.hint, "the fix is part of the JSON error");
});

test("up --format json on an invalid spec: a JSON error with the spec's diagnostic code, exit 1", async () => {
  const cap = captureIo(dir);
  assert.equal(await runCli(["up", "broken.yaml", "--target", "local", "--format", "json"], cap.io), 1);
  const doc = JSON.parse(cap.stdout()) as { ok: boolean; error: { code: string; message: string } };
  assert.equal(doc.ok, false);
  assert.equal(doc.error.code, "EF_SPEC_SCHEMA_TYPE");
  assert.match(doc.error.message, /replicas/);
});
