/**
 * The contract between plan and proxy: for every example spec and every one
 * of its targets (dev included), the runtime config the plan writes is one
 * the proxy accepts (its schema and reference checks), after a JSON round
 * trip as through the file. And the schema refuses what the old hand checks
 * let through, naming where.
 */
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { Value } from "@sinclair/typebox/value";
import { planDeployment } from "../../src/plan/index.js";
import { ProxyRuntimeConfigSchema } from "../../src/plan/proxy-config-schema.js";
import { validateRuntimeConfig } from "../../src/proxy/index.js";
import { validateTopologyFile } from "../../src/spec/index.js";
import { cluster, config, route } from "./support.js";

const examplesDir = new URL("../../../examples/", import.meta.url).pathname;
const examples = readdirSync(examplesDir).filter((f) => /\.(ya?ml|json)$/.test(f));

test("there are examples with several targets to check", () => {
  assert.ok(examples.length >= 3, examples.join(", "));
});

for (const file of examples) {
  test(`example ${file}: the plan of every target yields a runtime config the proxy accepts`, async () => {
    const result = await validateTopologyFile(join(examplesDir, file));
    assert.ok(result.ok, `${file} validates`);
    const targets = ["dev", ...Object.keys(result.topology.targets ?? {})];
    for (const target of targets) {
      const written = JSON.parse(JSON.stringify(planDeployment(result.topology, target).proxyConfig)) as unknown;
      assert.deepEqual([...Value.Errors(ProxyRuntimeConfigSchema, written)].map((e) => `${e.path}: ${e.message}`), [], `${file} × ${target} fits the schema`);
      assert.doesNotThrow(() => validateRuntimeConfig(written, `${file} × ${target}`), `${file} × ${target} is accepted by the proxy`);
    }
  });
}

test("a config with a wrong value deep inside is refused with its path", () => {
  const good = config([cluster("f", [{ port: 8080 }])], [route("r", "f")]);
  assert.doesNotThrow(() => validateRuntimeConfig(good));
  const cases: Array<[string, (c: Record<string, any>) => void, RegExp]> = [
    ["a negative retry count", (c) => (c["routes"][0].retry.attempts = -1), /\/routes\/0\/retry\/attempts/],
    ["a string timeout", (c) => (c["routes"][0].timeouts.responseMs = "5s"), /\/routes\/0\/timeouts\/responseMs/],
    ["an unknown cache key mode", (c) => (c["routes"][0].cache = { cache: "c", keyQuery: "shuffle", cacheSetCookie: false }, c["caches"].push({ name: "c", memory: { maxBytes: 1, maxObjectBytes: 1 }, heuristicFreshness: true, defaultStaleIfErrorMs: 0 })), /\/routes\/0\/cache\/keyQuery/],
    ["an outlier field of the wrong type", (c) => (c["clusters"][0].outlier.consecutive5xx = true), /\/clusters\/0\/outlier\/consecutive5xx/],
    ["accessLog as a string", (c) => (c["accessLog"] = "yes"), /\/accessLog/],
  ];
  for (const [what, mutate, where] of cases) {
    const bad = structuredClone(good) as unknown as Record<string, any>;
    mutate(bad);
    assert.throws(() => validateRuntimeConfig(bad), (e: Error & { code?: string }) => e.code === "EF_PROXY_CONFIG" && where.test(e.message), what);
  }
});
