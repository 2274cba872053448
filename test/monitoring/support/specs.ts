/** Every example spec (and the component fixture) with "dev" and each target it defines. */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { loadSpec } from "../../../src/spec/load-spec.js";

export const root = new URL("../../../../", import.meta.url).pathname;

export function specsWithTargets(): Array<{ file: string; target: string }> {
  const files = [
    ...readdirSync(join(root, "examples")).filter((f) => /\.(ya?ml|json)$/.test(f)).sort().map((f) => join(root, "examples", f)),
    join(root, "test", "components", "fixtures", "shop.yaml"),
  ];
  return files.flatMap((file) => ["dev", ...Object.keys(loadSpec(file).targets ?? {})].map((target) => ({ file, target })));
}
