/**
 * A correct install prints no warnings (issue #17). npm checks every package's
 * `engines` against the Node that runs npm itself, so the README's set-up runs
 * npm on Node 22 (`npx -y -p node@22 -- npm ci`); these tests keep that true:
 * the lockfile holds nothing that Node would refuse, the README, CI and the
 * project's own Node agree, and `npx edgeform` on the machine's Node is quiet.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import semver from "semver";
import { repoRoot } from "../support/pack.js";

const run = promisify(execFile);

interface LockPackage {
  version?: string;
  engines?: Record<string, string> | string[];
}

async function readJson<T>(path: string): Promise<T> {
  return JSON.parse(await readFile(join(repoRoot, path), "utf8")) as T;
}

/** The README's two set-up commands: the first fenced `sh` block under "## Set-up". */
async function setUpCommands(): Promise<string[]> {
  const readme = await readFile(join(repoRoot, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## Set-up"));
  const block = /^```sh\n([\s\S]*?)^```$/m.exec(section);
  assert.ok(block, "README.md has a ```sh block under ## Set-up");
  return block[1]!.split("\n").filter((line) => line.trim() !== "").map((line) => line.replace(/\s+#.*$/, "").trim());
}

/** The Node that `npm ci` is run on by the set-up: `npx -y -p node@<major> -- npm ci`. */
function installerMajor(command: string): number {
  const m = /^npx -y -p node@(\d+) -- npm ci && /.exec(command);
  assert.ok(m, `the set-up command runs npm ci on a pinned Node major: ${command}`);
  return Number(m[1]);
}

test("the README's two set-up commands install with npm on the project's own Node major", async () => {
  const commands = await setUpCommands();
  assert.equal(commands.length, 2, "exactly two set-up commands");
  assert.match(commands[0]!, / && npm run dev$/);
  assert.match(commands[1]!, / && npm test$/);
  const pkg = await readJson<{ devDependencies: Record<string, string> }>("package.json");
  const projectNode = semver.minVersion(pkg.devDependencies["node"]!)!;
  for (const command of commands) assert.equal(installerMajor(command), projectNode.major);
});

test("CI runs the README's test command", async () => {
  const [, testCommand] = await setUpCommands();
  const ci = await readFile(join(repoRoot, ".ci/run"), "utf8");
  assert.ok(ci.split("\n").some((line) => line.trim() === testCommand), `.ci/run runs \`${testCommand}\``);
});

test("every locked package accepts the Node the set-up installs with (no EBADENGINE)", async () => {
  const lock = await readJson<{ packages: Record<string, LockPackage> }>("package-lock.json");
  const pkg = await readJson<{ devDependencies: Record<string, string> }>("package.json");
  // npx -p node@22 fetches the newest 22.x, never older than the project's own pinned Node.
  const installer = semver.minVersion(pkg.devDependencies["node"]!)!.version;
  const refused = Object.entries(lock.packages)
    .filter(([path]) => path !== "")
    .flatMap(([path, entry]) => {
      const range = !Array.isArray(entry.engines) ? entry.engines?.["node"] : undefined;
      return range !== undefined && !semver.satisfies(installer, range) ? [`${path}@${entry.version}: node ${range}`] : [];
    });
  assert.deepEqual(refused, [], `packages that would warn EBADENGINE on Node ${installer}`);
});

/**
 * `npx edgeform` in the clone: the first run copies the project into npm's npx
 * cache, which is when npm checks engines and install scripts. A fresh cache
 * per run makes every run a first run.
 */
async function npxEdgeform(path: string): Promise<{ stdout: string; stderr: string }> {
  const cache = await mkdtemp(join(tmpdir(), "edgeform-npx-cache-"));
  try {
    return await run("npx", ["edgeform", "--version"], {
      cwd: repoRoot,
      env: { ...process.env, PATH: path, npm_config_cache: cache, npm_config_update_notifier: "false" },
      timeout: 180_000,
    });
  } finally {
    await rm(cache, { recursive: true, force: true });
  }
}

const pathDirs = (process.env["PATH"] ?? "").split(":");
/** The machine's PATH without the project's Node in front: the Node a user's shell has. */
const machinePath = pathDirs.filter((dir) => !dir.includes("node_modules")).join(":");

test("a first `npx edgeform` on the project's Node prints nothing but its answer", async () => {
  const projectPath = [join(repoRoot, "node_modules/.bin"), dirname(process.execPath), machinePath].join(":");
  const { stdout, stderr } = await npxEdgeform(projectPath);
  assert.equal(stderr, "", "no npm warnings (EBADENGINE, install-scripts) before the CLI runs");
  const { version } = await readJson<{ version: string }>("package.json");
  assert.equal(stdout.trim(), version);
});
