/**
 * The hot-path upstream client (http1/client/) against scripted raw-TCP
 * backends: framing variants, informational responses, the stale keep-alive
 * race, strict parsing and timeouts.
 */
import assert from "node:assert/strict";
import net from "node:net";
import { Readable } from "node:stream";
import { test } from "node:test";
import { H1Pool } from "../../src/proxy/http1/client/pool.js";
import type { UpstreamRequestOptions } from "../../src/proxy/http1/client/request.js";

interface Result {
  status?: number;
  headers?: Record<string, string | string[] | undefined>;
  body: string;
  error?: Error & { code?: string };
}

/** A backend that answers each complete request head with `reply(requestText, n)`; null = destroy the socket. */
async function scripted(reply: (request: string, n: number, socket: net.Socket) => string | null | undefined): Promise<{ port: number; connections: () => number; requests: string[]; close: () => Promise<void> }> {
  const requests: string[] = [];
  let connections = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    let buffer = "";
    let n = 0;
    socket.on("data", (d) => {
      buffer += d.toString("latin1");
      let end: number;
      while ((end = buffer.indexOf("\r\n\r\n")) >= 0) {
        const head = buffer.slice(0, end + 4);
        const length = /content-length: (\d+)/i.exec(head);
        const total = head.length + (length ? Number(length[1]) : 0);
        if (buffer.length < total) return;
        const request = buffer.slice(0, total);
        buffer = buffer.slice(total);
        requests.push(request);
        const answer = reply(request, n++, socket);
        if (answer === null) socket.destroy();
        else if (answer !== undefined) socket.write(answer);
      }
    });
    socket.on("error", () => {});
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: (server.address() as net.AddressInfo).port,
    connections: () => connections,
    requests,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

function pool(port: number, keepAliveMs = 5000): H1Pool {
  return new H1Pool("127.0.0.1", port, { maxConnections: 4, connectMs: 1000, keepAliveMs, maxHeaderSize: 16 * 1024 });
}

function send(p: H1Pool, options: Partial<UpstreamRequestOptions> = {}): Promise<Result> {
  return new Promise((resolve) => {
    const result: Result = { body: "" };
    p.dispatch(
      { method: "GET", path: "/", headers: ["host", "backend"], body: null, headersTimeout: 2000, bodyTimeout: 2000, ...options },
      {
        onResponseStart(_c, status, headers) {
          result.status = status;
          result.headers = headers;
        },
        onResponseData(_c, chunk) {
          result.body += chunk.toString();
        },
        onResponseEnd() {
          resolve(result);
        },
        onResponseError(_c, err) {
          result.error = err;
          resolve(result);
        },
      },
    );
  });
}

test("content-length, chunked and close-delimited responses; repeated headers become arrays", async () => {
  const b = await scripted((req) => {
    if (req.startsWith("GET /len")) return "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\nhello";
    if (req.startsWith("GET /chunked")) return "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n";
    return "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil-close";
  });
  const p = pool(b.port);
  try {
    const len = await send(p, { path: "/len" });
    assert.equal(len.body, "hello");
    assert.deepEqual(len.headers?.["set-cookie"], ["a=1", "b=2"]);
    assert.equal((await send(p, { path: "/chunked" })).body, "abcdefg");
    assert.equal(b.connections(), 1, "keep-alive: one connection for both");
    const closeDelimited = send(p, { path: "/close" });
    setTimeout(() => b.close(), 50);
    const r = await closeDelimited;
    assert.equal(r.error, undefined);
    assert.equal(r.body, "until-close");
  } finally {
    await p.destroy();
    await b.close();
  }
});

test("informational responses are skipped; HEAD responses have no body", async () => {
  const b = await scripted((req) =>
    req.startsWith("HEAD")
      ? "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"
      : "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok",
  );
  const p = pool(b.port);
  try {
    const r = await send(p);
    assert.equal(r.status, 201);
    assert.equal(r.body, "ok");
    const head = await send(p, { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(head.body, "");
    assert.equal((await send(p)).status, 201, "the connection is still in sync after HEAD");
    assert.equal(b.connections(), 1);
  } finally {
    await p.destroy();
    await b.close();
  }
});

test("a GET hitting a keep-alive connection the backend just dropped is re-sent once on a new connection; a POST is not", async () => {
  const b = await scripted((_req, n) => (n === 0 ? "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok" : null));
  const p = pool(b.port);
  try {
    assert.equal((await send(p)).body, "ok");
    const again = await send(p);
    assert.equal(again.error, undefined, `stale connection race hidden: ${again.error?.message}`);
    assert.equal(again.body, "ok");
    assert.equal(b.connections(), 2);
    await send(p);
    const post = await send(p, { method: "POST", headers: ["host", "b", "content-length", "0"] });
    assert.equal(post.error?.code, "UND_ERR_SOCKET", "non-idempotent: the error is reported, not hidden");
  } finally {
    await p.destroy();
    await b.close();
  }
});

test("strict response parsing: Content-Length with Transfer-Encoding, 101 without upgrade, oversized head", async () => {
  const b = await scripted((req) => {
    if (req.startsWith("GET /both")) return "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
    if (req.startsWith("GET /switch")) return "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n";
    return `HTTP/1.1 200 OK\r\nX-Big: ${"y".repeat(20_000)}\r\nContent-Length: 0\r\n\r\n`;
  });
  const p = pool(b.port);
  try {
    assert.match(String((await send(p, { path: "/both" })).error?.code), /^HPE_/);
    assert.equal((await send(p, { path: "/switch" })).error?.code, "UND_ERR_INFO");
    assert.equal((await send(p, { path: "/big" })).error?.code, "HPE_HEADER_OVERFLOW");
  } finally {
    await p.destroy();
    await b.close();
  }
});

test("headers and body idle timeouts", async () => {
  const b = await scripted((req, _n, socket) => {
    if (req.startsWith("GET /stall-body")) {
      socket.write("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
      return undefined;
    }
    return undefined;
  });
  const p = pool(b.port);
  try {
    const started = Date.now();
    const head = await send(p, { path: "/no-answer", headersTimeout: 150 });
    assert.equal(head.error?.code, "UND_ERR_HEADERS_TIMEOUT");
    assert.ok(Date.now() - started < 1000);
    const body = await send(p, { path: "/stall-body", bodyTimeout: 150 });
    assert.equal(body.status, 200);
    assert.equal(body.error?.code, "UND_ERR_BODY_TIMEOUT");
  } finally {
    await p.destroy();
    await b.close();
  }
});

test("a request body is sent with its Content-Length or chunked; an early response retires the connection", async () => {
  const b = await scripted((req) => {
    if (req.includes("/early")) return "HTTP/1.1 413 Payload Too Large\r\nContent-Length: 0\r\n\r\n";
    return "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
  });
  const p = pool(b.port);
  try {
    assert.equal((await send(p, { method: "PUT", headers: ["host", "b", "content-length", "5"], body: Readable.from([Buffer.from("hel"), Buffer.from("lo")]) })).status, 200);
    assert.match(b.requests.at(-1)!, /content-length: 5\r\n\r\nhello$/);
    const slowBody = new Readable({ read() {} });
    const early = send(p, { method: "POST", path: "/early", headers: ["host", "b", "content-length", "100"], body: slowBody });
    slowBody.push("x".repeat(100));
    assert.equal((await early).status, 413);
    assert.equal((await send(p)).status, 200);
  } finally {
    await p.destroy();
    await b.close();
  }
});

test("connection refused is reported as ECONNREFUSED; a closed pool refuses work", async () => {
  const b = await scripted(() => undefined);
  const port = b.port;
  await b.close();
  const p = pool(port);
  assert.equal((await send(p)).error?.code, "ECONNREFUSED");
  await p.close();
  assert.equal((await send(p)).error?.code, "UND_ERR_CLOSED");
});
