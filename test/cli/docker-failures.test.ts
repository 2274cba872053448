/** A failed `up` of a docker target: one sentence naming the resource and the fix, and what is left. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { explainDockerFailure } from "../../src/pulumi/docker-failures.js";

const engine = (resource: string, error: string) =>
  `Updating (quickstart-local):\n  +  docker:index/network:Network (quickstart-net) created\n  docker:index/container:Container (${resource}):\n    error: ${error}\n`;

test("a host port in use names the container, the port and the two fixes", () => {
  const err = explainDockerFailure(engine("quickstart-edge-0", 'Unable to start container: Error response from daemon: driver failed programming external connectivity on endpoint quickstart-edge-0 (ab12): Bind for 127.0.0.1:8080 failed: port is already allocated'));
  assert.equal(err?.code, "EF_DOCKER_APPLY");
  assert.match(err!.message, /docker:index\/container:Container "quickstart-edge-0": host port 8080 is already in use/);
  assert.match(err!.hint ?? "", /publishPort/);
  assert.match(err!.hint ?? "", /stays in the stack .*edgeform destroy/, "says what is left half-applied");
});

test("a name taken by a container outside the stack, an image that fails to build, a container never healthy", () => {
  const taken = explainDockerFailure(engine("quickstart-fleet-web-0", 'Unable to create container: Error response from daemon: Conflict. The container name "/quickstart-web-0" is already in use by container "9f1c"'));
  assert.match(taken!.message, /"quickstart-fleet-web-0": a container named "quickstart-web-0" already exists outside this stack/);
  assert.match(taken!.hint ?? "", /docker rm -f quickstart-web-0/);
  const build = explainDockerFailure("  docker:index/image:Image (quickstart-edge-image):\n    error: failed to solve: node:22-bookworm-slim: not found\n");
  assert.match(build!.message, /docker:index\/image:Image "quickstart-edge-image": the image build failed: failed to solve: node:22-bookworm-slim: not found/);
  assert.match(build!.hint ?? "", /images\.base/);
  const asked: string[] = [];
  const unhealthy = explainDockerFailure(engine("quickstart-edge-1", "container 3e4f failed to be in healthy state"), (id) => {
    asked.push(id);
    return "listening on :8080\nEF_PROXY_CONFIG: the runtime config is invalid";
  });
  assert.match(unhealthy!.message, /"quickstart-edge-1": a container never turned healthy/);
  assert.deepEqual(asked, ["3e4f"], "the failing container's logs are read");
  assert.match(unhealthy!.message, /its last 20 log lines:\n {4}listening on :8080\n {4}EF_PROXY_CONFIG: the runtime config is invalid/);
  assert.match(unhealthy!.hint ?? "", /docker logs --tail 50 3e4f.*healthTimeout/);
});

test("an error it does not know is left as the engine reported it", () => {
  assert.equal(explainDockerFailure(engine("x", "something else went wrong")), undefined);
});
