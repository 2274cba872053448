/** Hints name commands the way the user started edgeform; a bare `edgeform` is a usage error. */
import assert from "node:assert/strict";
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { detectInvocation, localizeCommands } from "../../src/cli/invocation.js";
import { runCli } from "../../src/cli/main.js";
import { captureIo } from "./cli-io.js";

test("inside `npm run dev`, options go after `--` and other commands through npx", () => {
  const inv = detectInvocation({ env: { npm_command: "run", npm_lifecycle_event: "dev" }, cwd: "/repo", script: "/repo/bin/edgeform.js" });
  assert.equal(inv.withOptions("--port"), "npm run dev -- --port");
  assert.equal(inv.cli("validate x.yaml"), "npx edgeform validate x.yaml");
});

test("under npx, commands are suggested through npx and options as they are", () => {
  const inv = detectInvocation({ env: { npm_command: "exec", npm_lifecycle_event: "npx" }, cwd: "/repo", script: "/repo/bin/edgeform.js" });
  assert.equal(inv.cli("dev t.yaml"), "npx edgeform dev t.yaml");
  assert.equal(inv.withOptions("--port"), "--port");
});

test("`edgeform` is suggested only when that name on PATH is this CLI; else the path node ran", async () => {
  const dir = await mkdtemp(join(tmpdir(), "edgeform-invocation-"));
  try {
    const script = join(dir, "edgeform.js");
    await writeFile(script, "");
    await chmod(script, 0o755);
    const binDir = join(dir, "bin");
    assert.equal(detectInvocation({ env: { PATH: binDir }, cwd: dir, script }).cli("init"), "node edgeform.js init");
    await mkdir(binDir);
    await symlink(script, join(binDir, "edgeform"));
    assert.equal(detectInvocation({ env: { PATH: binDir }, cwd: "/", script }).cli("init"), "edgeform init");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("fixes and help examples written as `edgeform …` are shown with the user's prefix", () => {
  const npx = detectInvocation({ env: { npm_command: "exec" }, cwd: "/", script: undefined });
  assert.equal(localizeCommands("fix: run `edgeform validate a.yaml`", npx), "fix: run `npx edgeform validate a.yaml`");
  assert.equal(localizeCommands("Examples:\n  edgeform init my-cdn   write", npx), "Examples:\n  npx edgeform init my-cdn   write");
  assert.equal(localizeCommands("the edgeform proxy", npx), "the edgeform proxy", "prose naming the project is left alone");
});

test("init's next: line works where the user is", async () => {
  const dir = await mkdtemp(join(tmpdir(), "edgeform-init-next-"));
  try {
    const cap = captureIo(dir);
    const code = await runCli(["init", "shop"], { ...cap.io, env: { npm_command: "exec" } });
    assert.equal(code, 0);
    assert.match(cap.stderr(), /^next: npx edgeform validate shop\/topology\.yaml && npx edgeform dev shop\/topology\.yaml$/m);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("a bare `edgeform` prints the help and exits 2; --help exits 0", async () => {
  const bare = captureIo(process.cwd());
  assert.equal(await runCli([], bare.io), 2);
  assert.match(bare.stderr(), /Usage: edgeform/);
  const help = captureIo(process.cwd());
  assert.equal(await runCli(["--help"], help.io), 0);
  assert.match(help.stdout(), /Usage: edgeform/);
});
