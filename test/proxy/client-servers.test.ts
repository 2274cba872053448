/**
 * The proxy behaves the same whichever server parses client requests: its
 * own (http1/server.ts, the default) or node:http (the fallback for a Node
 * whose llhttp binding is not usable, or EDGEFORM_CLIENT_SERVER=node).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { clientServerKind, type ClientServerKind } from "../../src/proxy/http1/index.js";
import { cluster, config, get, raw, route, sleep, startBackend, withProxy } from "./support.js";

async function withKind(kind: ClientServerKind, fn: (port: number, seen: () => string[]) => Promise<void>): Promise<void> {
  const before = process.env["EDGEFORM_CLIENT_SERVER"];
  process.env["EDGEFORM_CLIENT_SERVER"] = kind === "node" ? "node" : "";
  const b = await startBackend("b", (req, res, body) => {
    res.writeHead(200, { "content-type": "text/plain", "x-method": req.method ?? "" });
    res.end(body.length > 0 ? body : "from b");
  });
  try {
    assert.equal(clientServerKind(), kind);
    await withProxy(config([cluster("f", [b])], [route("r", "f")]), (proxy) => fn(proxy.ports["web"]!, () => b.seen.map((s) => `${s.method} ${s.url}`)));
  } finally {
    await b.close();
    if (before === undefined) delete process.env["EDGEFORM_CLIENT_SERVER"];
    else process.env["EDGEFORM_CLIENT_SERVER"] = before;
  }
}

for (const kind of ["edgeform", "node"] as const) {
  test(`${kind} client server: GET, POST body, keep-alive and forwarding headers`, async () => {
    await withKind(kind, async (port) => {
      const a = await get(port, "/x");
      assert.equal(a.status, 200);
      assert.equal(a.body, "from b");
      assert.match(String(a.headers["via"]), /1\.1 /);
      assert.match(String(a.headers["x-request-id"]), /^[0-9a-f-]{36}$/);
      const p = await get(port, "/up", { method: "POST", body: "payload" });
      assert.equal(p.body, "payload");
      assert.equal(p.headers["x-method"], "POST");
      const two = await raw(port, "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
      assert.equal((two.text.match(/HTTP\/1.1 200/g) ?? []).length, 2, "two pipelined requests, two answers on one connection");
    });
  });

  test(`${kind} client server: bytes after a Connection: close request are dropped and that request's answer arrives`, async () => {
    await withKind(kind, async (port, seen) => {
      const r = await raw(port, "GET /first HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\nGET /second HTTP/1.1\r\nHost: a\r\n\r\n");
      assert.match(r.text, /^HTTP\/1.1 200/);
      assert.equal((r.text.match(/HTTP\/1.1 /g) ?? []).length, 1, "one answer: nothing after the close request is a request");
      assert.deepEqual(seen(), ["GET /first"]);
    });
  });

  test(`${kind} client server: smuggling-shaped and unanswerable requests are refused without forwarding`, async () => {
    await withKind(kind, async (port, seen) => {
      const clte = await raw(port, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n");
      assert.match(clte.text, /^HTTP\/1.1 400/);
      const noHost = await raw(port, "GET / HTTP/1.1\r\n\r\n");
      assert.match(noHost.text, /^HTTP\/1.1 400/);
      const big = await raw(port, `GET / HTTP/1.1\r\nHost: a\r\nX-Big: ${"x".repeat(20_000)}\r\n\r\n`);
      assert.match(big.text, /^HTTP\/1.1 431/);
      await sleep(50);
      assert.deepEqual(seen(), []);
    });
  });

  test(`${kind} client server: Expect: 100-continue is answered by the proxy, the backend gets a plain request`, async () => {
    await withKind(kind, async (port, seen) => {
      const r = await raw(port, "POST /e HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nExpect: 100-continue\r\nConnection: close\r\n\r\nhi");
      assert.match(r.text, /^HTTP\/1.1 100 Continue\r\n\r\nHTTP\/1.1 200 /);
      assert.match(r.text, /\r\n2\r\nhi\r\n0\r\n\r\n$/, "the body, chunked as the backend sent it");
      assert.deepEqual(seen(), ["POST /e"]);
    });
  });
}
