import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import http from "node:http";
import { test } from "node:test";
import { cluster, config, get, raw, route, startBackend, withProxy } from "./support.js";

const digest = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");

test("large bodies stream both ways intact (upload echoed back, chunked and with length)", async () => {
  const echo = await startBackend("echo", (req, res, body) => {
    res.writeHead(200, { "content-type": "application/octet-stream", "x-got": String(body.length), "x-te": String(req.headers["transfer-encoding"] ?? "") });
    res.end(body);
  });
  try {
    await withProxy(config([cluster("f", [echo])], [route("r", "f")]), async (proxy) => {
      const port = proxy.ports["web"]!;
      const payload = Buffer.alloc(4 * 1024 * 1024, 7);
      payload.write("start");
      const withLength = await new Promise<{ len: number; hash: string; te: string }>((resolve, reject) => {
        const req = http.request({ host: "127.0.0.1", port, method: "PUT", path: "/blob", agent: false, headers: { "content-length": payload.length } }, (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => resolve({ len: Number(res.headers["x-got"]), hash: digest(Buffer.concat(chunks)), te: String(res.headers["x-te"]) }));
        });
        req.on("error", reject);
        req.end(payload);
      });
      assert.equal(withLength.len, payload.length);
      assert.equal(withLength.hash, digest(payload));
      assert.equal(withLength.te, "", "a body with Content-Length keeps it upstream");

      const chunked = await new Promise<{ len: number; te: string }>((resolve, reject) => {
        const req = http.request({ host: "127.0.0.1", port, method: "POST", path: "/stream", agent: false }, (res) => {
          res.resume();
          res.on("end", () => resolve({ len: Number(res.headers["x-got"]), te: String(res.headers["x-te"]) }));
        });
        req.on("error", reject);
        let i = 0;
        const pump = () => {
          if (i++ === 20) return req.end();
          req.write(Buffer.alloc(64 * 1024, i));
          setImmediate(pump);
        };
        pump();
      });
      assert.equal(chunked.len, 20 * 64 * 1024);
      assert.equal(chunked.te, "chunked", "a chunked upload is re-chunked upstream");
    });
  } finally {
    await echo.close();
  }
});

test("a streamed response reaches a slow reader without being buffered whole", async () => {
  let backendWrites = 0;
  let backendDone = false;
  const producer = await startBackend("producer", (_req, res) => {
    let n = 0;
    const write = () => {
      while (n < 400) {
        n++;
        backendWrites++;
        if (!res.write(Buffer.alloc(64 * 1024, n % 256))) {
          res.once("drain", write);
          return;
        }
      }
      backendDone = true;
      res.end();
    };
    write();
  });
  try {
    await withProxy(config([cluster("f", [producer])], [route("r", "f")]), async (proxy) => {
      const received = await new Promise<number>((resolve, reject) => {
        http.get({ host: "127.0.0.1", port: proxy.ports["web"]!, path: "/big", agent: false }, (res) => {
          let bytes = 0;
          res.pause();
          // The client reads nothing for a while: the backend must be held back (25 MiB would otherwise be buffered).
          setTimeout(() => {
            assert.equal(backendDone, false, "backpressure reached the backend");
            assert.ok(backendWrites < 400);
            res.on("data", (c: Buffer) => (bytes += c.length));
            res.on("end", () => resolve(bytes));
            res.resume();
          }, 300);
        }).on("error", reject);
      });
      assert.equal(received, 400 * 64 * 1024);
    });
  } finally {
    await producer.close();
  }
});

test("HEAD, 204 and 304 responses carry no body; chunked responses keep their framing", async () => {
  const b = await startBackend("b", (req, res) => {
    if (req.url === "/empty") {
      res.writeHead(204, { "x-a": "1" });
      return res.end();
    }
    if (req.url === "/cached") {
      res.writeHead(304, { etag: '"v1"' });
      return res.end();
    }
    res.writeHead(200, { "content-type": "text/plain", "content-length": "11" });
    res.end(req.method === "HEAD" ? undefined : "hello world");
  });
  try {
    await withProxy(config([cluster("f", [b])], [route("r", "f")]), async (proxy) => {
      const port = proxy.ports["web"]!;
      const head = await get(port, "/", { method: "HEAD" });
      assert.equal(head.status, 200);
      assert.equal(head.headers["content-length"], "11");
      assert.equal(head.body, "");
      const empty = await raw(port, "GET /empty HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
      assert.match(empty.text, /^HTTP\/1.1 204 No Content\r\n/);
      assert.match(empty.text, /HTTP\/1.1 200 OK[\s\S]*hello world$/, "the next response on the connection is intact");
      const notModified = await get(port, "/cached", { headers: { "if-none-match": '"v1"' } });
      assert.equal(notModified.status, 304);
      assert.equal(notModified.headers["etag"], '"v1"');
    });
  } finally {
    await b.close();
  }
});

test("a client that disconnects mid-response aborts the upstream request", async () => {
  let closedUpstream = false;
  const b = await startBackend("b", (req, res) => {
    res.writeHead(200);
    const timer = setInterval(() => res.write("tick\n"), 20);
    req.socket.on("close", () => {
      clearInterval(timer);
      closedUpstream = true;
    });
  });
  try {
    await withProxy(config([cluster("f", [b])], [route("r", "f")]), async (proxy) => {
      await new Promise<void>((resolve) => {
        const req = http.get({ host: "127.0.0.1", port: proxy.ports["web"]!, path: "/", agent: false }, (res) => {
          res.once("data", () => {
            req.destroy();
            resolve();
          });
        });
        req.on("error", () => {});
      });
      const until = Date.now() + 2000;
      while (!closedUpstream && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      assert.equal(closedUpstream, true, "the backend connection was closed");
    });
  } finally {
    await b.close();
  }
});
