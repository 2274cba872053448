/** The ready banner's commands come from the spec's own routes and work as printed (issue #17). */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { exampleRequests, purgeCommand } from "../../src/dev/banner.js";
import { DEV_TARGET, planDeployment } from "../../src/plan/plan.js";
import { validateTopology } from "../../src/spec/validate.js";

function planOf(source: string) {
  const result = validateTopology(source, { filename: "t.yaml" });
  assert.ok(result.ok, JSON.stringify(result.diagnostics));
  return planDeployment(result.topology, DEV_TARGET);
}

const quickstart = readFileSync(new URL("../../../examples/quickstart.yaml", import.meta.url), "utf8");

test("quickstart: one request per route, cached routes of the demo origin ask it for a lifetime", () => {
  assert.deepEqual(exampleRequests(planOf(quickstart), "127.0.0.1"), [
    "curl -i 'http://127.0.0.1:8080/static/?cache=60'   # route static, cache edge",
    "curl -i 'http://127.0.0.1:8080/?cache=60'   # route default, cache edge",
  ]);
});

test("routes matched by host and headers get those headers; external fleets get no demo query", () => {
  const spec = `version: 1
name: hosts
fleets:
  api: { endpoints: ["127.0.0.1:9000"] }
edge:
  listeners: [{ name: web, protocol: http, port: 8081 }]
  routes:
    - { name: canary, match: { host: "*.example.com", pathPrefix: /v2/, headers: { x-canary: "1" } }, fleet: api }
    - { name: api, match: { pathPrefix: /v1/ }, fleet: api }
`;
  assert.deepEqual(exampleRequests(planOf(spec), "127.0.0.1"), [
    "curl -i -H 'Host: www.example.com' -H 'x-canary: 1' 'http://127.0.0.1:8081/v2/'   # route canary",
    "curl -i 'http://127.0.0.1:8081/v1/'   # route api",
  ]);
});

test("purge: a generated token is printed, a user's token is referenced by its variable", () => {
  const generated = purgeCommand("http://127.0.0.1:9901", { value: "abc", env: "EDGEFORM_SECRET_DEV_ADMIN_TOKEN", fromUser: false }, "127.0.0.1");
  assert.equal(generated, `curl -X POST -H 'Authorization: Bearer abc' -H 'content-type: application/json' -d '{"prefix":"127.0.0.1/"}' http://127.0.0.1:9901/purge`);
  const own = purgeCommand("http://127.0.0.1:9901", { value: "secret-value", env: "EDGEFORM_SECRET_ADMIN", fromUser: true }, "127.0.0.1");
  assert.ok(own.includes('"Authorization: Bearer $EDGEFORM_SECRET_ADMIN"'));
  assert.ok(!own.includes("secret-value"), "a token the user keeps is never echoed");
});
