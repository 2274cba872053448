/**
 * Child-process entry for one scenario: `node runner.js <scenario> preview|update`.
 * Prints JSON on stdout: the recorded resources (secrets as {"$secret": value},
 * unknown values as "$unknown") and outputs, or the error the program threw.
 */
import * as pulumi from "@pulumi/pulumi";
import { runUnderMocks } from "../../../src/pulumi/offline.js";
import { isSecretValue } from "../../../src/pulumi/mocks.js";
import { alertScenarios } from "./alert-scenarios.js";
import { httpsScenarios } from "./https-scenarios.js";
import { scenarios as baseScenarios } from "./scenarios.js";

const scenarios = { ...baseScenarios, ...alertScenarios, ...httpsScenarios };

function portable(value: unknown): unknown {
  if (isSecretValue(value)) return { $secret: portable(value.value) };
  if (pulumi.isUnknown(value)) return "$unknown";
  if (pulumi.Resource.isInstance(value)) return "$resource";
  if (Array.isArray(value)) return value.map(portable);
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, portable(v)]));
  return value;
}

const [name, mode] = process.argv.slice(2);
const scenario = scenarios[name ?? ""];
if (!scenario || (mode !== "preview" && mode !== "update")) {
  process.stderr.write(`usage: runner.js <${Object.keys(scenarios).join("|")}> preview|update\n`);
  process.exit(2);
}
let result: unknown;
try {
  const run = await runUnderMocks({
    dryRun: mode === "preview",
    project: "edgeform",
    stack: "test",
    ...(scenario.config ? { config: scenario.config } : {}),
    ...(scenario.secretConfig ? { secretConfig: scenario.secretConfig } : {}),
    program: scenario.program,
  });
  result = {
    resources: run.resources.map((r) => ({ type: r.type, name: r.name, parent: r.parent, custom: r.custom, id: r.id, transforms: r.transforms, dependsOn: r.dependsOn, deleteBeforeReplace: r.deleteBeforeReplace, provider: r.provider, inputs: portable(r.inputs), state: portable(r.state) })),
    outputs: run.outputs,
    calls: run.mocks.calls.map((c) => c.token),
  };
} catch (e) {
  const err = e as { code?: string; message?: string; name?: string; hint?: string };
  result = { error: { name: err.name, code: err.code, message: err.message, hint: err.hint } };
}
process.stdout.write(JSON.stringify(result), () => process.exit(0));
