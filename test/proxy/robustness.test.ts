import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";
import { cluster, config, raw, route, sleep, startBackend, withProxy, type Backend } from "./support.js";

const SMUGGLED = "GET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n";

const probes: Array<{ name: string; bytes: string; status: RegExp }> = [
  { name: "Content-Length with Transfer-Encoding", bytes: `POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${SMUGGLED}`, status: /^HTTP\/1.1 400/ },
  { name: "duplicate Content-Length", bytes: `POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nContent-Length: ${SMUGGLED.length}\r\n\r\n${SMUGGLED}`, status: /^HTTP\/1.1 400/ },
  { name: "obs-fold header continuation", bytes: `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n${SMUGGLED}`, status: /^HTTP\/1.1 400/ },
  { name: "obs-fold on an ordinary header", bytes: `GET / HTTP/1.1\r\nHost: a\r\nX-Folded: one\r\n two\r\n\r\n`, status: /^HTTP\/1.1 400/ },
  { name: "whitespace before the colon", bytes: `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n${SMUGGLED}`, status: /^HTTP\/1.1 400/ },
  { name: "non-numeric Content-Length", bytes: `POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\nhello${SMUGGLED}`, status: /^HTTP\/1.1 400/ },
  { name: "Transfer-Encoding not ending in chunked", bytes: `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n${SMUGGLED}`, status: /^HTTP\/1.1 400/ },
];

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
      const started = Date.now();
      let received = "";
      let closedAfter = -1;
      socket.on("data", (d) => (received += d.toString("latin1")));
      socket.on("error", () => {});
      socket.on("close", () => (closedAfter = Date.now() - started));
      await new Promise((r) => socket.once("connect", r));
      socket.write("GET / HTTP/1.1\r\nHost: a\r\n");
      // One header byte every 100 ms: each arrives well within any idle timeout.
      for (let i = 0; i < 40 && closedAfter < 0; i++) {
        socket.write("X");
        await sleep(100);
      }
      socket.destroy();
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
