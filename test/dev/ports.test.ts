import assert from "node:assert/strict";
import { createServer, type Server } from "node:net";
import { test } from "node:test";
import { isEdgeformError } from "../../src/errors.js";
import { allocatePorts, assertPortsFree, parsePort, probePort, waitForPort } from "../../src/dev/ports.js";

function listen(port = 0): Promise<Server> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(port, "127.0.0.1", () => resolve(s));
  });
}
const close = (s: Server) => new Promise<void>((resolve) => s.close(() => resolve()));
const portOf = (s: Server) => (s.address() as { port: number }).port;

test("parsePort accepts 1-65535 and nothing else", () => {
  assert.equal(parsePort("8080"), 8080);
  assert.equal(parsePort("1"), 1);
  assert.equal(parsePort("65535"), 65535);
  for (const bad of ["0", "65536", "-1", "80a", "", " 80", "8.5", "999999"]) assert.equal(parsePort(bad), undefined, bad);
});

test("allocatePorts returns distinct free loopback ports, skipping avoided ones", async () => {
  const ports = await allocatePorts(6);
  assert.equal(ports.length, 6);
  assert.equal(new Set(ports).size, 6, "no port twice");
  for (const p of ports) assert.equal(await probePort(p), "free", `port ${p} can be bound`);
  const more = await allocatePorts(6, new Set(ports));
  assert.equal(more.filter((p) => ports.includes(p)).length, 0, "avoided ports are not handed out again");
  assert.deepEqual(await allocatePorts(0), []);
});

test("probePort and assertPortsFree report a taken port as EF_DEV_PORT_IN_USE with the --port hint", async () => {
  const taken = await listen();
  try {
    const port = portOf(taken);
    assert.equal(await probePort(port), "in-use");
    await assert.rejects(
      assertPortsFree([{ port, what: 'edge listener "web"', flag: "--port" }]),
      (e: unknown) => {
        assert.ok(isEdgeformError(e));
        assert.equal(e.code, "EF_DEV_PORT_IN_USE");
        assert.match(e.message, new RegExp(`port ${port} \\(edge listener "web"\\) is already in use`));
        assert.match(e.hint ?? "", /--port <n>/);
        return true;
      },
    );
  } finally {
    await close(taken);
  }
});

test("waitForPort resolves false when nothing listens and true once something does", async () => {
  const [port] = await allocatePorts(1);
  const t0 = Date.now();
  assert.equal(await waitForPort(port!, 300), false);
  assert.ok(Date.now() - t0 < 2_000, "bounded by the timeout");
  const later = setTimeout(() => void listen(port).then((s) => setTimeout(() => void close(s), 1_000)), 200);
  try {
    assert.equal(await waitForPort(port!, 3_000), true);
  } finally {
    clearTimeout(later);
  }
  assert.equal(await waitForPort(port!, 3_000, () => true), false, "a cancelled wait gives up at once");
});
