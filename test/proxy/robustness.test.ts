import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";
import { dripHeaders, probes, SMUGGLED } from "./smuggling-probes.js";
import { cluster, config, raw, route, sleep, startBackend, withProxy, type Backend } from "./support.js";

async function withBackend(fn: (b: Backend, port: number) => Promise<void>, limits?: Parameters<typeof config>[2]): Promise<void> {
  const b = await startBackend("b");
  try {
    await withProxy(config([cluster("f", [b])], [route("r", "f")], limits), (proxy) => fn(b, proxy.ports["web"]!));
  } finally {
    await b.close();
  }
}

for (const probe of probes) {
  test(`smuggling probe rejected without forwarding: ${probe.name}`, async () => {
    await withBackend(async (b, port) => {
      const r = await raw(port, probe.bytes);
      assert.match(r.text, probe.status);
      assert.equal(r.closed, true, "the connection is closed after a refused request");
      await sleep(100);
      assert.equal(b.seen.length, 0, "the backend saw nothing");
    });
  });
}

test("a bad chunk size stops the body: the backend never sees a complete or a second request", async () => {
  const heads: string[] = [];
  const b = await startBackend("b");
  b.server.prependListener("request", (req) => heads.push(`${req.method} ${req.url}`));
  try {
    await withProxy(config([cluster("f", [b])], [route("r", "f")]), async (proxy) => {
      const r = await raw(proxy.ports["web"]!, `POST /upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n${SMUGGLED}`);
      assert.match(r.text, /^HTTP\/1.1 400/);
      assert.equal(r.closed, true);
      await sleep(200);
      assert.ok(!heads.includes("GET /smuggled"), `backend saw: ${heads.join(", ")}`);
      assert.equal(b.seen.length, 0, "the streamed request was aborted, never completed");
    });
  } finally {
    await b.close();
  }
});

test("headers larger than maxHeaderBytes get 431", async () => {
  await withBackend(async (b, port) => {
    const r = await raw(port, `GET / HTTP/1.1\r\nHost: a\r\nX-Big: ${"x".repeat(20_000)}\r\n\r\n`);
    assert.match(r.text, /^HTTP\/1.1 431/);
    assert.equal(b.seen.length, 0);
  });
});

test("a slowloris client is cut off by the header timeout", async () => {
  await withBackend(
    async (b, port) => {
      const socket = net.connect(port, "127.0.0.1");
      await new Promise((r) => socket.once("connect", r));
      const { closedAfter, received } = await dripHeaders(socket);
      assert.ok(closedAfter > 0, "the proxy closed the connection");
      assert.ok(closedAfter < 2500, `closed after ${closedAfter} ms (header timeout 500 ms)`);
      assert.match(received, /^HTTP\/1.1 408/);
      assert.equal(b.seen.length, 0);
    },
    { limits: { headerTimeoutMs: 500, requestTimeoutMs: 10_000, maxHeaderBytes: 16 * 1024, keepAliveTimeoutMs: 5000 } },
  );
});

test("a request line that is not HTTP gets 400 and nothing is forwarded", async () => {
  await withBackend(async (b, port) => {
    const r = await raw(port, "GET / HTTP/1.1\r\nHost: a\r\nBad Header: x\r\n\r\n");
    assert.match(r.text, /^HTTP\/1.1 400/);
    assert.equal(b.seen.length, 0);
  });
});
