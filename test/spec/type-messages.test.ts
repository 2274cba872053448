/** Type errors say what shape is expected (issue #17: heuristicFreshness, cdn, fleets.<n>.replicas). */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { validateTopology } from "../../src/spec/validate.js";

const quickstart = readFileSync(new URL("../../../examples/quickstart.yaml", import.meta.url), "utf8");

function onlyError(source: string): { message: string; suggestion?: string | undefined } {
  const result = validateTopology(source, { filename: "t.yaml" });
  const errors = result.diagnostics.filter((d) => d.severity === "error");
  assert.equal(errors.length, 1, errors.map((d) => d.message).join("\n"));
  return errors[0]!;
}

test("fleets.<n>.replicas as a word: a whole number in its range, with an example", () => {
  const d = onlyError(quickstart.replace("replicas: 3", "replicas: three"));
  assert.equal(d.message, 'fleets.web.replicas must be a whole number between 1 and 100, not the string "three"');
  assert.equal(d.suggestion, "write a number without quotes or units, e.g. `replicas: 1`");
});

test("heuristicFreshness as a percentage: true or false, and what true does", () => {
  const d = onlyError(quickstart.replace("    redis: { maxMemory: 128MiB }\n", "    redis: { maxMemory: 128MiB }\n    heuristicFreshness: 10%\n"));
  assert.equal(d.message, 'caches.edge.heuristicFreshness must be true or false, not the string "10%"');
  assert.match(d.suggestion ?? "", /^write true or false \(true: .*10% of their age/);
});

test("an aws target's cdn as a boolean: the mapping's keys, and the fix that keeps the meaning", () => {
  const d = onlyError(`${quickstart}  prod: { provider: aws, region: eu-west-1, cdn: true }\n`);
  assert.equal(d.message, "targets.prod.cdn must be a mapping with the keys enabled, priceClass, aliases, certificateArn, not the boolean true");
  assert.equal(d.suggestion, "write `cdn: { enabled: true }`");
});
