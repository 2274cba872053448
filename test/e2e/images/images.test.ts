/**
 * The pieces that assemble the e2e images, checked without Docker: ldd
 * parsing, build contexts as .dockerignore files shape them, and tar layout.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { buildContextEntries, exceptionsReach } from "../harness/build-context.js";
import { parseLdd, withParentDirectories } from "./host-binaries.js";

test("ldd output gives every library path and the loader, and a missing library is an error", () => {
  const out = [
    "\tlinux-vdso.so.1 (0x00007ffd)",
    "\tlibstdc++.so.6 => /lib/x86_64-linux-gnu/libstdc++.so.6 (0x00007f47)",
    "\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f47)",
    "\t/lib64/ld-linux-x86-64.so.2 (0x00007f47)",
  ].join("\n");
  assert.deepEqual(parseLdd(out), ["/lib/x86_64-linux-gnu/libstdc++.so.6", "/lib/x86_64-linux-gnu/libc.so.6", "/lib64/ld-linux-x86-64.so.2"]);
  assert.throws(() => parseLdd("\tlibfoo.so.1 => not found\n"), /missing/);
});

test("a build context honours .dockerignore and carries a Dockerfile that lies outside it", () => {
  const dir = mkdtempSync(join(tmpdir(), "ctx-"));
  try {
    mkdirSync(join(dir, "app", "node_modules", "x"), { recursive: true });
    mkdirSync(join(dir, "app", "src"));
    writeFileSync(join(dir, "app", "src", "index.js"), "1");
    writeFileSync(join(dir, "app", "node_modules", "x", "i.js"), "1");
    writeFileSync(join(dir, "app", "secret.env"), "A=1");
    writeFileSync(join(dir, "app", ".dockerignore"), "node_modules\n*.env\n");
    writeFileSync(join(dir, "app", "Dockerfile"), "FROM scratch\n");
    writeFileSync(join(dir, "outside.Dockerfile"), "FROM scratch\n");

    const inside = buildContextEntries(join(dir, "app"), join(dir, "app", "Dockerfile"));
    assert.equal(inside.dockerfileName, "Dockerfile");
    assert.deepEqual(inside.entries.map((e) => e.name).sort(), [".dockerignore", "Dockerfile", "src", "src/index.js"]);

    const outside = buildContextEntries(join(dir, "app"), join(dir, "outside.Dockerfile"));
    assert.equal(outside.dockerfileName, ".edgeform-e2e.outside.Dockerfile");
    assert.equal(outside.entries.at(-1)?.content?.toString(), "FROM scratch\n");

    // A Dockerfile-specific ignore file wins over the context's.
    writeFileSync(join(dir, "outside.Dockerfile.dockerignore"), "src\n");
    const specific = buildContextEntries(join(dir, "app"), join(dir, "outside.Dockerfile"));
    assert.deepEqual(specific.entries.map((e) => e.name).filter((n) => !n.startsWith(".edgeform")).sort(), [".dockerignore", "Dockerfile", "node_modules", "node_modules/x", "node_modules/x/i.js", "secret.env"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the edge image's context holds what its Dockerfile copies, and the Dockerfile itself", () => {
  const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "..");
  const { entries, dockerfileName } = buildContextEntries(root, join(root, "images", "edge-proxy.Dockerfile"));
  const names = new Set(entries.map((e) => e.name));
  assert.ok(names.has(dockerfileName), "the Dockerfile is sent even when the ignore file leaves images/ out");
  for (const kept of ["package.json", "bin/edgeform.js", "dist/src/cli/main.js"]) assert.ok(names.has(kept), `${kept} is in the context`);
  for (const left of ["dist/test", "src"]) assert.ok(!names.has(left), `${left} is not in the context`);
});

test("an ignore file that excludes everything and re-includes parts keeps exactly those parts", () => {
  const dir = mkdtempSync(join(tmpdir(), "ctx-"));
  try {
    for (const f of ["keep/a.js", "keep/drop/x.js", "keep/drop/yes/y.js", "keep/a.js.map", "other/o.js", "top.txt"]) {
      mkdirSync(join(dir, dirname(f)), { recursive: true });
      writeFileSync(join(dir, f), f);
    }
    writeFileSync(join(dir, "Dockerfile"), "FROM scratch\n");
    writeFileSync(join(dir, ".dockerignore"), "*\n!keep/\nkeep/drop\n!keep/drop/yes\n**/*.map\n");
    const { entries } = buildContextEntries(dir, join(dir, "Dockerfile"));
    assert.deepEqual(entries.filter((e) => e.type === "file").map((e) => e.name).sort(), [".edgeform-e2e.Dockerfile", "keep/a.js", "keep/drop/yes/y.js"], "an ignored Dockerfile is still sent, under the reserved name");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("exceptions under an excluded directory make Docker walk into it", () => {
  assert.equal(exceptionsReach(["dist/src"], "dist"), true);
  assert.equal(exceptionsReach(["dist/src"], "dist/src/cli"), true);
  assert.equal(exceptionsReach(["dist/src"], "node_modules"), false);
  assert.equal(exceptionsReach(["*.md"], "docs"), true);
  assert.equal(exceptionsReach([], "dist"), false);
});

test("image layouts list every parent directory once, before the files, keeping explicit modes", () => {
  const entries = withParentDirectories(
    [
      { name: "rootfs/usr/local/bin/node", type: "file", content: Buffer.from("") },
      { name: "rootfs/usr/lib/libc.so.6", type: "file", content: Buffer.from("") },
    ],
    [{ path: "rootfs/tmp", mode: 0o1777 }],
  );
  assert.deepEqual(entries.map((e) => `${e.type[0]} ${e.name}`), [
    "d rootfs",
    "d rootfs/tmp",
    "d rootfs/usr",
    "d rootfs/usr/local",
    "d rootfs/usr/local/bin",
    "d rootfs/usr/lib",
    "f rootfs/usr/local/bin/node",
    "f rootfs/usr/lib/libc.so.6",
  ]);
  assert.equal(entries.find((e) => e.name === "rootfs/tmp")?.mode, 0o1777);
});
