import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { isEdgeformError } from "../../src/errors.js";
import { assertRunnable, assignFleetPorts, desiredReplicas, diffReplicas, missingPortCount, replicaCounts } from "../../src/dev/plan-diff.js";
import { planDeployment } from "../../src/plan/plan.js";
import { validateTopology } from "../../src/spec/validate.js";

function spec(replicas: number, extra = "") {
  return `version: 1
name: shop
fleets:
  web:
    image: demo:1
    port: 8080
    replicas: ${replicas}
    env: { GREETING: hello, API_KEY: { secret: api_key } }
    dev: { command: "node server.js", cwd: app, env: { DEBUG: "1" } }
  legacy:
    endpoints: ["10.0.0.5:80"]
${extra}edge:
  listeners: [{ name: web, protocol: http, port: 8080 }]
  routes: [{ match: { pathPrefix: / }, fleet: web }]
`;
}

function plan(text: string, fleetPorts: Record<string, number[]> = {}) {
  const v = validateTopology(text);
  assert.ok(v.ok, JSON.stringify(v.diagnostics));
  return planDeployment(v.topology, "dev", { dev: { fleetPorts, adminPort: 9901 } });
}

const ctx = { specDir: "/specs", env: { EDGEFORM_SECRET_API_KEY: "s3cret" } };

test("replica counts cover provisioned fleets only", () => {
  assert.deepEqual(replicaCounts(plan(spec(3))), { web: 3 });
});

test("ports: replicas that stay keep theirs, new ones take fresh ports, removed ones free theirs", () => {
  const previous = { web: [5001, 5002, 5003] };
  assert.equal(missingPortCount(previous, { web: 4 }), 1);
  assert.equal(missingPortCount(previous, { web: 2 }), 0);
  assert.equal(missingPortCount(previous, { web: 3, api: 2 }), 2);
  assert.deepEqual(assignFleetPorts(previous, { web: 4 }, [6000]), { web: [5001, 5002, 5003, 6000] });
  assert.deepEqual(assignFleetPorts(previous, { web: 2 }, []), { web: [5001, 5002] });
  assert.deepEqual(assignFleetPorts(previous, { api: 2 }, [6000, 6001]), { api: [6000, 6001] }, "a removed fleet's ports are dropped");
  assert.throws(() => assignFleetPorts({}, { web: 2 }, [6000]), /not enough fresh ports/);
});

test("desired replicas: port from the plan, cwd relative to the spec, env from fleet env, secrets, dev.env and dev's own", () => {
  const p = plan(spec(2), { web: [5001, 5002] });
  const { replicas, missingSecrets } = desiredReplicas(p, ctx);
  assert.deepEqual(missingSecrets, []);
  assert.deepEqual(replicas.map((r) => [r.key, r.name, r.port, r.cwd, r.command]), [
    ["web#0", "web-0", 5001, join("/specs", "app"), "node server.js"],
    ["web#1", "web-1", 5002, join("/specs", "app"), "node server.js"],
  ]);
  assert.deepEqual(replicas[1]!.env, { GREETING: "hello", API_KEY: "s3cret", DEBUG: "1", PORT: "5002", HOST: "127.0.0.1", EDGEFORM_FLEET: "web", EDGEFORM_REPLICA: "1" });
  assert.deepEqual(desiredReplicas(p, { specDir: "/specs", env: {} }).missingSecrets, ["api_key"]);
});

test("diff: 3 → 4 replicas starts only the new one; 4 → 2 stops the last two", () => {
  const three = desiredReplicas(plan(spec(3), { web: [5001, 5002, 5003] }), ctx).replicas;
  const four = desiredReplicas(plan(spec(4), { web: [5001, 5002, 5003, 5004] }), ctx).replicas;
  const two = desiredReplicas(plan(spec(2), { web: [5001, 5002] }), ctx).replicas;
  const grow = diffReplicas(three, four);
  assert.deepEqual(grow.start.map((r) => r.name), ["web-3"]);
  assert.deepEqual(grow.stop, []);
  assert.deepEqual(grow.keep.map((r) => r.name), ["web-0", "web-1", "web-2"]);
  const shrink = diffReplicas(four, two);
  assert.deepEqual(shrink.start, []);
  assert.deepEqual(shrink.stop.map((r) => r.name), ["web-2", "web-3"]);
  assert.deepEqual(diffReplicas(three, three), { start: [], stop: [], keep: three });
});

test("diff: a changed command or env restarts every replica of the fleet", () => {
  const before = desiredReplicas(plan(spec(2), { web: [5001, 5002] }), ctx).replicas;
  const changed = desiredReplicas(plan(spec(2).replace("node server.js", "node server.js --fast"), { web: [5001, 5002] }), ctx).replicas;
  const diff = diffReplicas(before, changed);
  assert.deepEqual(diff.stop.map((r) => r.name), ["web-0", "web-1"]);
  assert.deepEqual(diff.start.map((r) => r.command), ["node server.js --fast", "node server.js --fast"]);
  const newSecret = desiredReplicas(plan(spec(2), { web: [5001, 5002] }), { ...ctx, env: { EDGEFORM_SECRET_API_KEY: "rotated" } }).replicas;
  assert.equal(diffReplicas(before, newSecret).start.length, 2);
});

test("a fleet with an image and no dev.command is EF_DEV_NO_COMMAND naming the fleet, where it is and the fix", () => {
  const text = spec(1, "  api:\n    image: registry/api:2\n    port: 9000\n");
  const p = plan(text, { web: [5001], api: [5002] });
  for (const run of [() => assertRunnable(p, (f) => `shop.yaml:${f === "api" ? 12 : 0}:3`), () => desiredReplicas(p, { ...ctx, locateFleet: () => "shop.yaml:12:3" })]) {
    assert.throws(run, (e: unknown) => {
      assert.ok(isEdgeformError(e));
      assert.equal(e.code, "EF_DEV_NO_COMMAND");
      assert.match(e.message, /fleet "api" \(shop\.yaml:12:3\) has an image \(registry\/api:2\) but no dev\.command/);
      assert.match(e.hint ?? "", /dev: \{ command: .* \}` to fleets\.api/);
      assert.match(e.hint ?? "", /endpoints:/);
      return true;
    });
  }
});
