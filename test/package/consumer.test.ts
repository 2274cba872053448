/**
 * The README's Pulumi snippet, exactly as shown, in a fresh project made from
 * Pulumi's default TypeScript template (CommonJS, `moduleResolution: node`)
 * with edgeform installed from `npm pack`: it must type-check with the
 * template's tsconfig and run under Pulumi's mocks on Node 22.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { copyFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { npm, packRepository, repoRoot, type NpmResult } from "../support/pack.js";
import { writePulumiTemplate } from "./pulumi-template.js";

const run = promisify(execFile);

/** Every fenced block of one language in a Markdown text, in order. */
function fencedBlocks(markdown: string, lang: string): string[] {
  const fence = new RegExp("^```" + lang + "\\n([\\s\\S]*?)^```$", "gm");
  return [...markdown.matchAll(fence)].map((m) => m[1]!);
}

let dir: string;
let snippet: string;
let install: NpmResult;

before(async () => {
  const blocks = fencedBlocks(await readFile(join(repoRoot, "README.md"), "utf8"), "ts");
  assert.equal(blocks.length, 1, "README.md shows one TypeScript snippet, the one this test compiles and runs; test any other the same way");
  snippet = blocks[0]!;
  dir = await mkdtemp(join(tmpdir(), "edgeform-consumer-"));
  const tarball = await packRepository(dir);
  await writePulumiTemplate(dir, "consumer");
  // What `pulumi new typescript` installs, then the package as a user adds it.
  install = await npm(["install", "--prefer-offline", "--no-audit", "--no-fund", tarball], dir);
  await writeFile(join(dir, "index.ts"), snippet);
  await copyFile(join(repoRoot, "examples/quickstart.yaml"), join(dir, "topology.yaml"));
});

after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

test("the README's snippet uses edgeform's subpath exports and exports a stack output", () => {
  assert.match(snippet, /from "edgeform\/components"/);
  assert.match(snippet, /from "edgeform\/spec"/);
  assert.match(snippet, /^export const \w+ = /m);
});

test("installing the tarball into the template project warns about no engine mismatch", () => {
  assert.doesNotMatch(install.stderr, /EBADENGINE/);
});

test("the snippet type-checks with the template's CommonJS tsconfig", async () => {
  const tsc = join(dir, "node_modules/typescript/bin/tsc");
  const result = await run(process.execPath, [tsc, "-p", ".", "--pretty", "false"], { cwd: dir, timeout: 180_000 }).catch((e: Error & { stdout?: string }) => {
    assert.fail(`tsc rejected the README snippet in a CommonJS project:\n${e.stdout ?? e.message}`);
  });
  assert.equal(result.stdout.trim(), "");
  const emitted = await readFile(join(dir, "bin/index.js"), "utf8");
  assert.match(emitted, /require\("edgeform\/components"\)/, "the template compiles imports to require()");
});

// Runs what the type-check above emitted to bin/.
test("the compiled snippet runs under Pulumi's mocks and exports the public URLs", async () => {
  const runner = join(repoRoot, "test/package/run-under-mocks.cjs");
  await copyFile(runner, join(dir, "run-under-mocks.cjs"));
  const { stdout } = await run(process.execPath, ["run-under-mocks.cjs", "bin/index.js"], { cwd: dir, timeout: 120_000 });
  const result = JSON.parse(stdout) as { types: string[]; outputs: Record<string, unknown> };
  assert.ok(result.types.includes("edgeform:components:CdnTopology"), `no CdnTopology registered: ${result.types.join(", ")}`);
  assert.ok(result.types.includes("docker:index/container:Container"), `the local target's containers are registered: ${result.types.join(", ")}`);
  const outputs = Object.values(result.outputs);
  assert.equal(outputs.length, 1);
  assert.deepEqual(outputs[0], ["http://127.0.0.1:8080"]);
});
