/**
 * `edgeform dev` and `edgeform origin` on the command line: the user errors
 * that must be clear messages with exit 1 (not crashes), and the origin
 * command's lifecycle. None of these needs the proxy.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { runCli } from "../../src/cli/main.js";
import type { Io } from "../../src/cli/io.js";
import { allocatePorts } from "../../src/dev/ports.js";

const repo = new URL("../../../", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "edgeform-dev-cli-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function captureIo(): Io & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => void stdout.push(t), err: (t) => void stderr.push(t), color: false, isTTY: false, cwd: dir, env: { ...process.env } };
}

const quickstart = readFileSync(join(repo, "examples/quickstart.yaml"), "utf8");

test("an invalid spec prints validate's diagnostics and exits 1 without starting anything", async () => {
  writeFileSync(join(dir, "bad.yaml"), quickstart.replace("replicas: 3", "replicas: three"));
  const io = captureIo();
  const code = await runCli(["dev", "bad.yaml", "--no-watch"], io);
  assert.equal(code, 1);
  const err = io.stderr.join("\n");
  assert.match(err, /bad\.yaml:\d+:\d+ error EF_SPEC_SCHEMA_TYPE .*replicas must be a whole number/);
  assert.match(err, /nothing was started/);
  assert.doesNotMatch(err, /started web-0/);
});

test("a fleet with an image but no dev.command is EF_DEV_NO_COMMAND naming the fleet, its line and the fix", async () => {
  writeFileSync(join(dir, "nocmd.yaml"), quickstart.replace("    dev: { command: edgeform origin }", ""));
  const io = captureIo();
  const code = await runCli(["dev", "nocmd.yaml", "--no-watch"], io);
  assert.equal(code, 1);
  const err = io.stderr.join("\n");
  assert.match(err, /EF_DEV_NO_COMMAND: fleet "web" \(nocmd\.yaml:10:3\) has an image \(edgeform\/demo-origin:0\.1\.0\) but no dev\.command/);
  assert.match(err, /fix: add `dev: \{ command:/);
});

test("a listener port already in use is EF_DEV_PORT_IN_USE with the port and the --port hint, not a crash", async () => {
  const blocker: Server = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
  const port = (blocker.address() as { port: number }).port;
  try {
    writeFileSync(join(dir, "busy.yaml"), quickstart);
    const io = captureIo();
    const code = await runCli(["dev", "busy.yaml", "--no-watch", "--port", String(port)], io);
    assert.equal(code, 1);
    const err = io.stderr.join("\n");
    assert.match(err, new RegExp(`EF_DEV_PORT_IN_USE: port ${port} \\(edge listener "web"\\) is already in use`));
    assert.match(err, /--port <n>/);
    assert.match(err, /stopped: every process edgeform dev started has exited/);
  } finally {
    await new Promise<void>((resolve) => blocker.close(() => resolve()));
  }
});

test("bad options are usage errors (exit 2); --help teaches with examples", async () => {
  const io = captureIo();
  assert.equal(await runCli(["dev", "x.yaml", "--port", "http"], io), 2);
  assert.match(io.stderr.join("\n"), /--port must be a port number/);
  assert.equal(await runCli(["dev", "x.yaml", "--format", "xml"], captureIo()), 2);
  const help = captureIo();
  assert.equal(await runCli(["dev", "--help"], help), 0);
  const text = help.stdout.join("\n");
  assert.match(text, /edgeform dev examples\/quickstart\.yaml/);
  assert.match(text, /--no-watch/);
  assert.match(text, /--format json/);
  const originHelp = captureIo();
  assert.equal(await runCli(["origin", "--help"], originHelp), 0);
  assert.match(originHelp.stdout.join("\n"), /POST \/admin\/fail\?rate=0\.5/);
});

test("`edgeform origin` serves on $PORT, says who served, and exits 0 on SIGTERM", async () => {
  const [port] = await allocatePorts(1);
  const child = spawn(process.execPath, [join(repo, "bin/edgeform.js"), "origin", "--host", "127.0.0.1"], {
    env: { ...process.env, PORT: String(port), EDGEFORM_REPLICA: "7", EDGEFORM_FLEET: "api" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  try {
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const deadline = Date.now() + 10_000;
    while (!stderr.includes("listening") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.match(stderr, new RegExp(`demo origin api-7 listening on http://127.0.0.1:${port}`));
    const res = await fetch(`http://127.0.0.1:${port}/hi`);
    assert.equal(res.headers.get("x-served-by"), "api-7");
    assert.equal(((await res.json()) as { replica: number }).replica, 7);
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    child.kill("SIGTERM");
    assert.equal(await exited, 0);
  } finally {
    child.kill("SIGKILL");
  }
});

test("`edgeform origin` on a taken port is EF_DEV_PORT_IN_USE (exit 1)", async () => {
  const blocker: Server = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
  try {
    const io = captureIo();
    const code = await runCli(["origin", "--host", "127.0.0.1", "--port", String((blocker.address() as { port: number }).port)], io);
    assert.equal(code, 1);
    assert.match(io.stderr.join("\n"), /EF_DEV_PORT_IN_USE: port \d+ on 127\.0\.0\.1 is already in use/);
  } finally {
    await new Promise<void>((resolve) => blocker.close(() => resolve()));
  }
});
