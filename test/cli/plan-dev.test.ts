/** `edgeform plan` for the dev target says what `edgeform dev` really runs here (issue #17). */
import assert from "node:assert/strict";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { runCli } from "../../src/cli/main.js";
import { captureIo } from "./cli-io.js";

const quickstart = new URL("../../../examples/quickstart.yaml", import.meta.url).pathname;
let bin: string;

before(async () => {
  bin = await mkdtemp(join(tmpdir(), "edgeform-plan-dev-"));
  // A stand-in redis-server: the plan only looks it up on PATH, never runs it.
  await writeFile(join(bin, "redis-server"), "#!/bin/sh\nexit 1\n");
  await chmod(join(bin, "redis-server"), 0o755);
});
after(async () => {
  // Unset when a name filter skipped the `before` hook.
  if (bin) await rm(bin, { recursive: true, force: true });
});

async function planText(path: string): Promise<string> {
  const cap = captureIo(process.cwd());
  assert.equal(await runCli(["plan", quickstart], { ...cap.io, env: { PATH: path } }), 0, cap.stderr());
  return cap.stdout();
}

test("with redis-server installed, the dev plan runs the cache's Redis tier on a port chosen at start", async () => {
  const text = await planText(bin);
  assert.match(text, /^ {2}edge +memory 64MiB +redis-server on a port chosen at start \(installed here\)$/m);
  assert.match(text, /prometheus +not started: prometheus is not installed here/);
});

test("without redis-server, it says the cache is memory only and how to get the tier", async () => {
  assert.match(await planText(join(bin, "empty")), /memory only: redis-server is not installed here \(install it for the shared tier\)/);
});

test("ports dev picks itself are not shown as fixed numbers; listener ports are", async () => {
  const text = await planText(bin);
  assert.match(text, /admin port chosen at start/);
  assert.doesNotMatch(text, /:9901|port 8080 /, "no admin or replica port dev does not use");
  assert.match(text, /listener web +http :8080/);
  assert.match(text, /\$PORT chosen at start/);
  assert.match(text, /free loopback ports `edgeform dev` picks when it starts/);
});

test("docker and aws plans keep their fixed ports", async () => {
  const cap = captureIo(process.cwd());
  assert.equal(await runCli(["plan", quickstart, "--target", "local"], { ...cap.io, env: { PATH: bin } }), 0);
  assert.match(cap.stdout(), /admin :9901/);
  assert.doesNotMatch(cap.stdout(), /chosen at start/);
});
