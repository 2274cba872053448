/**
 * A stack that imports edgeform's components must share one copy of the
 * Pulumi SDK and providers with its own program (two copies of
 * @pulumi/pulumi do not see each other's resources): every @pulumi package
 * the shipped code imports is a peer dependency, installed for the tests as
 * a dev dependency, never a plain dependency.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";

const root = new URL("../../../", import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as Record<string, Record<string, string> | undefined>;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const path = join(dir, f);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith(".ts") ? [path] : [];
  });
}

test("every @pulumi package the shipped code imports is a peer dependency (and a dev dependency), not a dependency", () => {
  const imported = new Set<string>();
  for (const dir of ["components", "stacks", "src"]) {
    for (const file of sources(join(root, dir))) {
      for (const m of readFileSync(file, "utf8").matchAll(/from "(@pulumi\/[a-z-]+)|import\("(@pulumi\/[a-z-]+)/g)) imported.add((m[1] ?? m[2])!);
    }
  }
  assert.deepEqual([...imported].sort(), ["@pulumi/aws", "@pulumi/docker", "@pulumi/pulumi", "@pulumi/random"]);
  for (const name of imported) {
    assert.ok(pkg["peerDependencies"]?.[name], `${name} is a peer dependency`);
    assert.equal(pkg["devDependencies"]?.[name], pkg["peerDependencies"]?.[name], `${name}: the tests install the range consumers get`);
    assert.equal(pkg["dependencies"]?.[name], undefined, `${name} is not a plain dependency (a consumer would get a second copy)`);
  }
});
