/**
 * When no Docker engine answers, ensureDocker starts dockerd, and when that
 * cannot work it fails with the reason (the e2e test then fails, never skips).
 * These cases use a socket nobody listens on and stand-in daemons, so the
 * machine's real engine is never touched.
 */
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { ensureDocker } from "../support/docker.js";

const dir = mkdtempSync(join(tmpdir(), "edgeform-dockerd-test-"));
const socketPath = join(dir, "nobody.sock");
test.after(() => {
  rmSync(dir, { recursive: true, force: true });
  // The stand-in daemons wrote to this process's dockerd log.
  rmSync(join(tmpdir(), `edgeform-dockerd-${process.pid}.log`), { force: true });
});

function fakeDockerd(name: string, script: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${script}\n`);
  chmodSync(path, 0o755);
  return path;
}

test("without a dockerd binary it fails and says how to install Docker", async () => {
  await assert.rejects(ensureDocker({ socketPath, dockerd: null }), /no dockerd binary.*apt-get install -y docker\.io/s);
});

test("when not root it fails and says the daemon needs root", async () => {
  await assert.rejects(ensureDocker({ socketPath, dockerd: fakeDockerd("d-unused", "exit 0"), isRoot: false }), /can only be started as root/);
});

test("a dockerd that dies at start fails the run with the tail of its log", async () => {
  const dockerd = fakeDockerd("d-dies", 'echo "failed to start daemon: no iptables here" >&2; exit 1');
  await assert.rejects(ensureDocker({ socketPath, dockerd, isRoot: true, startTimeoutMs: 10_000 }), /dockerd exited \(1\) before it answered:\n.*no iptables here/s);
});

test("a dockerd that never answers is given up on after the start timeout", async () => {
  const dockerd = fakeDockerd("d-hangs", "exec sleep 30");
  const started = Date.now();
  await assert.rejects(ensureDocker({ socketPath, dockerd, isRoot: true, startTimeoutMs: 1_500 }), /did not answer `docker info` within 1500 ms/);
  assert.ok(Date.now() - started < 10_000, "bounded by the start timeout");
});
