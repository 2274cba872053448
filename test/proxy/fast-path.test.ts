/**
 * One probe decides both fast paths (client server and upstream client):
 * on the Node the project pins it passes, and each side's choice follows it
 * or the fallback its environment variable asks for.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { defaultUpstreamClient } from "../../src/proxy/upstream/pools.js";
import { clientServerKind } from "../../src/proxy/http1/index.js";
import { fastPath } from "../../src/proxy/http1/llhttp.js";

test("the fast-path probe passes on this Node, so both sides use it unless asked not to", () => {
  assert.deepEqual(fastPath.missing, [], `Node ${process.version} lacks internals the fast paths use`);
  assert.equal(fastPath.usable, true);
  assert.equal(clientServerKind({}), "edgeform");
  assert.equal(defaultUpstreamClient({}), "h1");
  assert.equal(clientServerKind({ EDGEFORM_CLIENT_SERVER: "node" }), "node");
  assert.equal(defaultUpstreamClient({ EDGEFORM_UPSTREAM_CLIENT: "undici" }), "undici");
});
