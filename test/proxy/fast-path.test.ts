/**
 * One probe decides both fast paths (client server and upstream client):
 * on the Node the project pins it passes, and each side's choice follows it
 * or the fallback its environment variable asks for.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import net from "node:net";
import { test } from "node:test";
import { defaultUpstreamClient } from "../../src/proxy/upstream/pools.js";
import { clientServerKind } from "../../src/proxy/http1/index.js";
import { fastPath, streamHandleMissing } from "../../src/proxy/http1/llhttp.js";

test("the fast-path probe passes on this Node, so both sides use it unless asked not to", () => {
  assert.deepEqual(fastPath.missing, [], `Node ${process.version} lacks internals the fast paths use`);
  assert.equal(fastPath.usable, true);
  assert.equal(clientServerKind({}), "edgeform");
  assert.equal(defaultUpstreamClient({}), "h1");
  assert.equal(clientServerKind({ EDGEFORM_CLIENT_SERVER: "node" }), "node");
  assert.equal(defaultUpstreamClient({ EDGEFORM_UPSTREAM_CLIENT: "undici" }), "undici");
});

test("the probe checks the socket handle's reading controls: a handle without readStart/readStop fails it", async () => {
  // What this Node's sockets have: a real connected socket's handle passes.
  const server = net.createServer((s) => s.destroy());
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const socket = net.connect((server.address() as net.AddressInfo).port, "127.0.0.1");
  try {
    await once(socket, "connect");
    assert.deepEqual(streamHandleMissing((socket as net.Socket & { _handle: unknown })._handle), []);
  } finally {
    socket.destroy();
    server.close();
  }
  // What a Node that changed them would have: each missing control is named, and the fast path is off.
  assert.deepEqual(streamHandleMissing({ readStart() {} }), ["socket._handle.readStop"]);
  assert.deepEqual(streamHandleMissing({ readStop() {} }), ["socket._handle.readStart"]);
  assert.deepEqual(streamHandleMissing(null), ["socket._handle"]);
  assert.ok(!fastPath.missing.some((m) => m.startsWith("socket._handle")), "this Node's stream handles have readStart/readStop");
});
