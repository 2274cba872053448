/**
 * Writes schema/topology.schema.json from the TypeBox definition, or with
 * --check fails when the committed file is out of date (so the published
 * schema can never drift from the types).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { topologyJsonSchema } from "../src/spec/schema.js";

const target = fileURLToPath(new URL("../../schema/topology.schema.json", import.meta.url));
const text = JSON.stringify(topologyJsonSchema(), null, 2) + "\n";
if (process.argv.includes("--check")) {
  let current = "";
  try {
    current = readFileSync(target, "utf8");
  } catch {}
  if (current !== text) {
    console.error("schema/topology.schema.json is out of date: run `npm run schema` and commit it");
    process.exit(1);
  }
} else {
  writeFileSync(target, text);
  console.error(`wrote ${target}`);
}
