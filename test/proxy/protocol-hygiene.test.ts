/**
 * Issue #11, what crosses the proxy at the protocol level: defect 12 (a
 * response transfer coding other than chunked is answered 502, not silently
 * dropped), status codes above 599 (502), and Expect (only 100-continue is
 * met; anything else gets 417; HTTP/1.0 clients never get a 100).
 */
import assert from "node:assert/strict";
import net, { type AddressInfo } from "node:net";
import { test } from "node:test";
import { send } from "./identity-support.js";
import { cluster, config, eventually, route, startBackend, withProxy } from "./support.js";

/** A backend that answers every request with the same raw bytes. */
async function rawBackend(response: string): Promise<{ port: number; requests: () => number; close(): Promise<void> }> {
  let requests = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    let buffered = "";
    socket.on("data", (d: Buffer) => {
      buffered += d.toString("latin1");
      if (!buffered.includes("\r\n\r\n")) return;
      buffered = "";
      requests++;
      socket.end(response);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: (server.address() as AddressInfo).port,
    requests: () => requests,
    close: () => new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    }),
  };
}

const refusedResponses: Array<[string, string]> = [
  ["gzip, chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"],
  ["gzip then chunked in two fields", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"],
  ["deflate,chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: deflate,chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"],
  ["x-custom, chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: x-custom, chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"],
  ["status 600", "HTTP/1.1 600 Whatever\r\nContent-Length: 5\r\n\r\nhello"],
  ["status 799", "HTTP/1.1 799 Whatever\r\nContent-Length: 5\r\n\r\nhello"],
  ["status 999", "HTTP/1.1 999 Whatever\r\nContent-Length: 5\r\n\r\nhello"],
];

for (const [what, response] of refusedResponses) {
  test(`defect 12 / status range: a backend response with ${what} is answered 502`, async () => {
    const b = await rawBackend(response);
    try {
      await withProxy(config([cluster("f", [b])], [route("r", "f")]), async (proxy) => {
        const r = await send(proxy.ports["web"]!, "GET / HTTP/1.1", ["Host: shop.test"]);
        assert.equal(r.status, 502, `${what}: got ${r.head.split("\r\n")[0]}`);
        assert.doesNotMatch(r.body, /hello/, "none of that response's body reaches the client");
        assert.equal(b.requests(), 1);
      });
    } finally {
      await b.close();
    }
  });
}

test("a backend response with plain chunked framing (any case) is still relayed", async () => {
  const b = await rawBackend("HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
  try {
    await withProxy(config([cluster("f", [b])], [route("r", "f")]), async (proxy) => {
      const r = await send(proxy.ports["web"]!, "GET / HTTP/1.1", ["Host: shop.test"]);
      assert.equal(r.status, 200);
      assert.match(r.body, /hello/);
    });
  } finally {
    await b.close();
  }
});

test("Expect: only 100-continue is met; any other expectation, alone or beside it, gets 417 and is not forwarded", async () => {
  const b = await startBackend("b");
  try {
    await withProxy(config([cluster("f", [b])], [route("r", "f")]), async (proxy) => {
      const port = proxy.ports["web"]!;
      for (const expect of ["100-continue, foo", "foo", "100-continue;x=1", "200-ok", "100-continue, 100-continue, bar"]) {
        const r = await send(port, "POST /up HTTP/1.1", ["Host: shop.test", `Expect: ${expect}`, "Content-Length: 2"], "ok");
        assert.equal(r.status, 417, `Expect: ${expect}`);
        assert.doesNotMatch(r.head, /100 Continue/);
      }
      const two = await send(port, "POST /up HTTP/1.1", ["Host: shop.test", "Expect: 100-continue", "Expect: foo", "Content-Length: 2"], "ok");
      assert.equal(two.status, 417, "two Expect fields are one list");
      assert.equal(b.seen.length, 0);
      for (const expect of ["100-continue", "100-Continue", " 100-CONTINUE , "]) {
        const socket = net.connect(port, "127.0.0.1");
        let got = "";
        socket.on("data", (d: Buffer) => (got += d.toString("latin1")));
        socket.write(`POST /up HTTP/1.1\r\nHost: shop.test\r\nExpect: ${expect}\r\nContent-Length: 2\r\nConnection: close\r\n\r\n`);
        await eventually(() => got.startsWith("HTTP/1.1 100 Continue\r\n\r\n"), 2000, `100 Continue for ${JSON.stringify(expect)}`);
        socket.write("ok");
        await eventually(() => /HTTP\/1\.1 200/.test(got), 2000, "then the final response");
        socket.destroy();
      }
    });
  } finally {
    await b.close();
  }
});

test("Expect: an HTTP/1.0 client never gets a 100 (it would read it as the final response)", async () => {
  const b = await startBackend("b");
  try {
    await withProxy(config([cluster("f", [b])], [route("r", "f")]), async (proxy) => {
      for (const line of ["POST /up HTTP/1.0", "PUT /up HTTP/1.0"]) {
        const r = await send(proxy.ports["web"]!, line, ["Host: shop.test", "Expect: 100-continue", "Content-Length: 2"], "ok");
        assert.match(r.head, /^HTTP\/1\.1 200 /, `${line}: the first status line is the final one`);
        assert.doesNotMatch(r.head + r.body, /100 Continue/);
      }
      assert.equal(b.seen.length, 2);
      assert.equal(b.seen[0]?.body.toString(), "ok");
    });
  } finally {
    await b.close();
  }
});
