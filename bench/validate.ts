/**
 * How long validateTopology takes on a large spec: 5,000 fleets and 5,000
 * routes (plus listeners, caches and targets), from source text to a typed
 * Topology. Prints the median of several runs after warm-up, for the spec
 * written as YAML in the style of examples/ and as JSON (machine-generated
 * specs usually are), and the share of that spent validating rather than
 * parsing. The goal is "well under a second".
 *
 *   npm run build && node dist/bench/validate.js [--fleets 5000] [--routes 5000] [--runs 7]
 */
import { performance } from "node:perf_hooks";
import { parse } from "yaml";
import { loadSpecSource, validateLoaded, validateTopology } from "../src/spec/index.js";
import { largeSpec } from "./large-spec.js";

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} must be a positive integer`);
  return v;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Median milliseconds of fn over `runs` runs, after two warm-up runs. */
function time(runs: number, fn: () => void): { median: number; min: number; max: number } {
  fn();
  fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  return { median: median(times), min: Math.min(...times), max: Math.max(...times) };
}

const fleets = option("fleets", 5000);
const routes = option("routes", 5000);
const runs = option("runs", 7);
const yamlText = largeSpec(fleets, routes);
const jsonText = JSON.stringify(parse(yamlText), null, 2);

for (const [label, text] of [["YAML", yamlText], ["JSON", jsonText]] as const) {
  const check = validateTopology(text, { filename: `bench.${label.toLowerCase()}` });
  if (!check.ok) throw new Error(`generated ${label} spec is invalid: ${check.diagnostics.slice(0, 3).map((d) => `${d.code} ${d.path} ${d.message}`).join("; ")}`);
}

const fmt = (t: { median: number; min: number; max: number }) => `median ${t.median.toFixed(0)} ms (min ${t.min.toFixed(0)}, max ${t.max.toFixed(0)})`;
const loaded = loadSpecSource(yamlText, "bench.yaml");
const results = {
  yaml: time(runs, () => validateTopology(yamlText, { filename: "bench.yaml" })),
  json: time(runs, () => validateTopology(jsonText, { filename: "bench.json" })),
  yamlLoadOnly: time(runs, () => loadSpecSource(yamlText, "bench.yaml")),
  checksOnly: time(runs, () => validateLoaded(loaded)),
};
process.stdout.write(
  `validateTopology, ${fleets} fleets and ${routes} routes, ${runs} runs after warm-up (node ${process.version}):\n` +
    `  YAML (${yamlText.split("\n").length} lines, ${(yamlText.length / 1024).toFixed(0)} KiB)  ${fmt(results.yaml)}\n` +
    `  of which: YAML parsing alone (yaml library)     ${fmt(results.yamlLoadOnly)}\n` +
    `            schema + semantic checks alone         ${fmt(results.checksOnly)}\n` +
    `  JSON (${(jsonText.length / 1024).toFixed(0)} KiB)                ${fmt(results.json)}\n`,
);
