import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { test } from "node:test";
import { runCli } from "../../src/cli/main.js";
import type { Io } from "../../src/cli/io.js";
import { freePort } from "../support/net.js";
import { get, startBackend } from "./support.js";

const BIN = new URL("../../../bin/edgeform.js", import.meta.url).pathname;

function captureIo(cwd: string): Io & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { out: (t) => void stdout.push(t), err: (t) => void stderr.push(t), color: false, isTTY: false, cwd, env: {}, stdout, stderr };
}

function spec(listenerPort: number, adminPort: number, backendPort: number): string {
  return `version: 1
name: clitest
fleets:
  api:
    endpoints: ["127.0.0.1:${backendPort}"]
edge:
  listeners:
    - { name: web, protocol: http, port: ${listenerPort} }
  admin: { port: ${adminPort} }
  accessLog: false
  routes:
    - { name: all, match: { pathPrefix: / }, fleet: api }
`;
}

test("edgeform proxy --dry-run plans the spec and writes the runtime config", async () => {
  const dir = mkdtempSync(join(tmpdir(), "edgeform-cli-"));
  try {
    writeFileSync(join(dir, "t.yaml"), spec(18_001, 18_002, 18_003));
    const io = captureIo(dir);
    const code = await runCli(["proxy", "t.yaml", "--dry-run", "--workers", "2", "--config-out", join(dir, "proxy.json")], io);
    assert.equal(code, 0, io.stderr.join("\n"));
    const written = JSON.parse(readFileSync(join(dir, "proxy.json"), "utf8"));
    assert.equal(written.name, "clitest");
    assert.equal(written.workers, 2);
    assert.deepEqual(written.clusters[0].discovery, { type: "static", endpoints: [{ host: "127.0.0.1", port: 18_003, weight: 1 }] });
    assert.match(io.stderr.join("\n"), /POST \/reload and \/purge are disabled/);

    const usage = captureIo(dir);
    assert.equal(await runCli(["proxy", "t.yaml", "--workers", "0"], usage), 2);
    assert.match(usage.stderr.join("\n"), /--workers must be a whole number/);

    writeFileSync(join(dir, "bad.yaml"), "version: 1\nname: x\nfleets: {}\nedge: { listeners: [] }\n");
    assert.equal(await runCli(["proxy", "bad.yaml", "--dry-run"], captureIo(dir)), 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("edgeform proxy runs the edge tier in the foreground and stops on SIGTERM", async () => {
  const backend = await startBackend("api");
  const dir = mkdtempSync(join(tmpdir(), "edgeform-cli-"));
  const [web, admin] = [await freePort(), await freePort()];
  writeFileSync(join(dir, "t.yaml"), spec(web, admin, backend.port));
  const proc = spawn(process.execPath, [BIN, "proxy", "t.yaml", "--workers", "1"], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  proc.stderr!.on("data", (d) => (stderr += d));
  try {
    await new Promise<void>((resolve, reject) => {
      createInterface({ input: proc.stdout! }).on("line", (line) => {
        if ((JSON.parse(line) as { event?: string }).event === "ready") resolve();
      });
      proc.once("exit", (code) => reject(new Error(`exited ${code}: ${stderr}`)));
    });
    const r = await get(web, "/hello");
    assert.equal(r.status, 200);
    assert.equal(r.body, "api");
    assert.equal((await get(admin, "/readyz")).status, 200);
    proc.kill("SIGTERM");
    const code = await new Promise<number | null>((r) => proc.once("exit", (c) => r(c)));
    assert.equal(code, 0, stderr);
  } finally {
    proc.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
    await backend.close();
  }
});
