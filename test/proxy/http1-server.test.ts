/**
 * The proxy's own HTTP/1.1 server (src/proxy/http1), driven with raw bytes:
 * ordering of pipelined requests, framing of every kind of response, the
 * requests it answers itself, deadlines, flow control and the Upgrade
 * hand-over.
 */
import assert from "node:assert/strict";
import net, { type Socket } from "node:net";
import { test } from "node:test";
import { Http1Server } from "../../src/proxy/http1/server.js";
import type { ClientHandlers, ClientLimits, ProxyRequest, ProxyResponse } from "../../src/proxy/http1/types.js";
import { eventually, raw, sleep } from "./support.js";

const LIMITS: ClientLimits = { headersTimeoutMs: 2000, requestTimeoutMs: 10_000, keepAliveTimeoutMs: 5000, maxHeaderSize: 16 * 1024 };

interface Started {
  port: number;
  server: Http1Server;
  errors: string[];
  close(): Promise<void>;
}

async function serve(handlers: Partial<ClientHandlers>, limits: ClientLimits = LIMITS): Promise<Started> {
  const errors: string[] = [];
  const server = new Http1Server(limits, {
    request: handlers.request ?? (({ res }) => res.end()),
    upgrade: handlers.upgrade ?? (({ res }) => res.socket.destroy()),
    clientError:
      handlers.clientError ??
      ((err, socket, answerable) => {
        errors.push(String(err.code));
        if (answerable) socket.end("HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
        socket.destroy();
      }),
    connection: handlers.connection ?? (() => {}),
  });
  await new Promise<void>((r) => server.server.listen(0, "127.0.0.1", r));
  const port = (server.server.address() as net.AddressInfo).port;
  return {
    port,
    server,
    errors,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.server.close(() => r());
      }),
  };
}

/** A connected client socket and what it has received so far (latin1), plus a promise of its close. */
async function client(port: number, options: { allowHalfOpen?: boolean } = {}): Promise<{ socket: Socket; received(): string; closed: Promise<unknown> }> {
  const socket = net.connect({ port, host: "127.0.0.1", allowHalfOpen: options.allowHalfOpen ?? false });
  let received = "";
  socket.on("data", (d: Buffer) => (received += d.toString("latin1")));
  const closed = new Promise((r) => socket.once("close", r));
  await new Promise((r) => socket.once("connect", r));
  return { socket, received: () => received, closed };
}

function text(res: ProxyResponse, status: number, body: string, extra: string[] = []): void {
  res.writeHead(status, ["content-type", "text/plain", "content-length", String(Buffer.byteLength(body)), ...extra]);
  res.end(body);
}

test("pipelined requests are answered in order, the second only after the first has ended", async () => {
  const order: string[] = [];
  const s = await serve({
    request({ req, res }) {
      order.push(`start ${req.url}`);
      if (req.url === "/slow") {
        setTimeout(() => {
          order.push("end /slow");
          text(res, 200, "slow");
        }, 80);
      } else {
        order.push(`end ${req.url}`);
        text(res, 200, "fast");
      }
    },
  });
  try {
    const r = await raw(s.port, "GET /slow HTTP/1.1\r\nHost: a\r\n\r\nGET /fast HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    assert.deepEqual(order, ["start /slow", "end /slow", "start /fast", "end /fast"]);
    assert.ok(r.text.indexOf("slow") < r.text.indexOf("fast"), r.text);
    assert.equal((r.text.match(/HTTP\/1.1 200/g) ?? []).length, 2);
    assert.match(r.text, /connection: close\r\n/, "the last response announces the close the client asked for");
    assert.equal(r.closed, true);
  } finally {
    await s.close();
  }
});

test("Expect: 100-continue gets an interim 100 before the body is sent; another expectation gets 417", async () => {
  const bodies: string[] = [];
  const s = await serve({
    request({ req, res }) {
      const chunks: Buffer[] = [];
      req.body.on("data", (c: Buffer) => chunks.push(c));
      req.body.on("end", () => {
        bodies.push(Buffer.concat(chunks).toString());
        text(res, 200, "got it");
      });
    },
  });
  try {
    const { socket, received } = await client(s.port);
    socket.write("POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
    await eventually(() => received().startsWith("HTTP/1.1 100 Continue\r\n\r\n"), 2000, "100 Continue");
    socket.write("hello");
    await eventually(() => received().includes("got it"), 2000, "the final response");
    socket.destroy();
    assert.deepEqual(bodies, ["hello"]);

    const r = await raw(s.port, "POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nExpect: something-else\r\n\r\n");
    assert.match(r.text, /^HTTP\/1.1 417 /);
    assert.equal(r.closed, true);
    assert.equal(bodies.length, 1, "the handler never saw the refused request");
  } finally {
    await s.close();
  }
});

test("an HTTP/1.1 request without Host gets 400; HTTP/1.0 without Host is served", async () => {
  const seen: string[] = [];
  const s = await serve({ request: ({ req, res }) => (seen.push(req.httpVersion), text(res, 200, "ok")) });
  try {
    const r11 = await raw(s.port, "GET / HTTP/1.1\r\n\r\n");
    assert.match(r11.text, /^HTTP\/1.1 400 /);
    assert.equal(r11.closed, true);
    const r10 = await raw(s.port, "GET / HTTP/1.0\r\n\r\n");
    assert.match(r10.text, /^HTTP\/1.1 200 /);
    assert.deepEqual(seen, ["1.0"]);
  } finally {
    await s.close();
  }
});

test("framing: chunked without a length, Content-Length when end() has it all, close-delimited for HTTP/1.0, none for HEAD/204/304", async () => {
  const s = await serve({
    request({ req, res }) {
      switch (req.url) {
        case "/stream":
          res.writeHead(200, ["content-type", "text/plain"]);
          res.write(Buffer.from("ab"));
          setTimeout(() => res.end(Buffer.from("cd")), 10);
          return;
        case "/whole":
          res.writeHead(200, ["content-type", "text/plain"]);
          res.end("whole");
          return;
        case "/no-content":
          res.writeHead(204, ["content-length", "0"]);
          res.end();
          return;
        default:
          res.writeHead(200, ["content-length", "4"]);
          res.end("body");
      }
    },
  });
  try {
    const chunked = await raw(s.port, "GET /stream HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    assert.match(chunked.text, /transfer-encoding: chunked\r\n/);
    assert.ok(chunked.text.endsWith("\r\n\r\n2\r\nab\r\n2\r\ncd\r\n0\r\n\r\n"), JSON.stringify(chunked.text));

    const whole = await raw(s.port, "GET /whole HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    assert.match(whole.text, /content-length: 5\r\n/);
    assert.doesNotMatch(whole.text, /transfer-encoding/);

    const http10 = await raw(s.port, "GET /stream HTTP/1.0\r\n\r\n");
    assert.doesNotMatch(http10.text, /transfer-encoding|content-length/);
    assert.match(http10.text, /connection: close\r\n/);
    assert.ok(http10.text.endsWith("\r\n\r\nabcd"), JSON.stringify(http10.text));
    assert.equal(http10.closed, true, "a close-delimited body ends with the connection");

    const keepAlive10 = await raw(s.port, "GET /known HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", 300);
    assert.match(keepAlive10.text, /connection: keep-alive\r\n/);
    assert.equal(keepAlive10.closed, false, "an HTTP/1.0 keep-alive client keeps its connection when the length is known");

    const head = await raw(s.port, "HEAD /known HTTP/1.1\r\nHost: a\r\n\r\nGET /no-content HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    const [headPart, noContentPart] = head.text.split(/(?=HTTP\/1.1 204)/);
    assert.match(headPart!, /content-length: 4\r\n/, "HEAD keeps the length of the GET");
    assert.ok(headPart!.endsWith("\r\n\r\n"), "HEAD has no body");
    assert.ok(noContentPart!.endsWith("\r\n\r\n"), "204 has no body");
  } finally {
    await s.close();
  }
});

test("writeHead refuses header names and values that could split the response", async () => {
  const refused: string[] = [];
  const s = await serve({
    request({ req, res }) {
      const bad = req.url === "/value" ? ["x-evil", "a\r\nset-cookie: pwned=1"] : ["bad name", "v"];
      try {
        res.writeHead(200, bad);
      } catch (err) {
        refused.push((err as Error).message);
        text(res, 502, "refused");
      }
    },
  });
  try {
    for (const path of ["/value", "/name"]) {
      const r = await raw(s.port, `GET ${path} HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n`);
      assert.match(r.text, /^HTTP\/1.1 502 /);
      assert.doesNotMatch(r.text, /pwned/);
    }
    assert.equal(refused.length, 2);
  } finally {
    await s.close();
  }
});

test("a body longer than its Content-Length cuts the connection instead of sending the extra bytes", async () => {
  const s = await serve({
    request({ res }) {
      res.writeHead(200, ["content-length", "3"]);
      res.write(Buffer.from("abc"));
      res.write(Buffer.from("HTTP/1.1 200 OK\r\n\r\nsmuggled"));
      res.end();
    },
  });
  try {
    const r = await raw(s.port, "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    assert.doesNotMatch(r.text, /smuggled/);
    assert.equal(r.closed, true);
  } finally {
    await s.close();
  }
});

test("deadlines: an idle keep-alive connection is closed quietly; a connection that never sends a request gets 408", async () => {
  const s = await serve({ request: ({ res }) => text(res, 200, "ok") }, { ...LIMITS, headersTimeoutMs: 300, keepAliveTimeoutMs: 300 });
  try {
    const started = Date.now();
    const idle = await raw(s.port, "GET / HTTP/1.1\r\nHost: a\r\n\r\n", 3000);
    assert.equal(idle.closed, true);
    assert.ok(Date.now() - started < 2500, "closed by the keep-alive timeout");
    assert.equal((idle.text.match(/HTTP\/1.1/g) ?? []).length, 1, "nothing after the response");

    const silent = await raw(s.port, Buffer.alloc(0), 3000);
    assert.equal(silent.closed, true);
    assert.deepEqual(s.errors, ["ERR_HTTP_REQUEST_TIMEOUT"]);
  } finally {
    await s.close();
  }
});

test("a client that half-closes after its request still gets the response", async () => {
  const s = await serve({ request: ({ res }) => setTimeout(() => text(res, 200, "late but there"), 50) });
  try {
    const { socket, received, closed } = await client(s.port, { allowHalfOpen: true });
    socket.end("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    await closed;
    assert.match(received(), /late but there$/);
  } finally {
    await s.close();
  }
});

test("a request body nobody reads stops the server reading the socket (backpressure, not buffering)", async () => {
  let serverSocket: Socket | undefined;
  const s = await serve({ request: () => {}, connection: (socket) => (serverSocket = socket) });
  try {
    const socket = net.connect(s.port, "127.0.0.1");
    socket.on("error", () => {});
    await new Promise((r) => socket.once("connect", r));
    const total = 64 * 1024 * 1024;
    socket.write(`POST / HTTP/1.1\r\nHost: a\r\nContent-Length: ${total}\r\n\r\n`);
    const chunk = Buffer.alloc(1024 * 1024, 1);
    // Write until the kernel buffers fill up and stay full (no drain within 300 ms), or all of it went.
    for (let i = 0; i < 64 && socket.writable; i++) {
      if (socket.write(chunk)) continue;
      let onDrain!: () => void;
      const drained = await Promise.race([new Promise<boolean>((r) => socket.once("drain", (onDrain = () => r(true)))), sleep(300).then(() => false)]);
      if (!drained) {
        socket.off("drain", onDrain);
        break;
      }
    }
    assert.ok(serverSocket !== undefined);
    assert.ok(serverSocket.bytesRead < 16 * 1024 * 1024, `the server read ${serverSocket.bytesRead} bytes of a 64 MiB body nobody consumed`);
    socket.destroy();
  } finally {
    await s.close();
  }
});

test("an Upgrade request hands the socket over with the bytes read past its head", async () => {
  const got: { url: string; head: string }[] = [];
  const s = await serve({
    upgrade({ req, res: { socket, head } }) {
      got.push({ url: req.url, head: head.toString() });
      socket.end("HTTP/1.1 101 Switching Protocols\r\n\r\ntunnel-bytes");
    },
  });
  try {
    const r = await raw(s.port, "GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\nearly-frame");
    assert.deepEqual(got, [{ url: "/ws", head: "early-frame" }]);
    assert.match(r.text, /tunnel-bytes$/);
  } finally {
    await s.close();
  }
});

test("closeIdleConnections closes connections between requests and lets a busy one finish", async () => {
  let release: (() => void) | undefined;
  const s = await serve({
    request({ req, res }) {
      if (req.url === "/busy") release = () => text(res, 200, "finished");
      else text(res, 200, "quick");
    },
  });
  try {
    const idle = raw(s.port, "GET /quick HTTP/1.1\r\nHost: a\r\n\r\n", 3000);
    const busy = raw(s.port, "GET /busy HTTP/1.1\r\nHost: a\r\n\r\n", 3000);
    await eventually(() => release !== undefined, 2000, "the busy request arrived");
    await sleep(50);
    s.server.closeIdleConnections();
    const idleResult = await idle;
    assert.equal(idleResult.closed, true);
    assert.match(idleResult.text, /quick$/);
    release!();
    await sleep(50);
    s.server.closeIdleConnections();
    const busyResult = await busy;
    assert.match(busyResult.text, /finished$/);
    assert.equal(busyResult.closed, true);
  } finally {
    await s.close();
  }
});

test("a malformed request line is refused through clientError and never reaches the handler", async () => {
  let handled = 0;
  const s = await serve({ request: () => handled++ });
  try {
    const r = await raw(s.port, "GARBAGE\r\n\r\n");
    assert.match(r.text, /^HTTP\/1.1 400/);
    assert.equal(r.closed, true);
    assert.equal(handled, 0);
    assert.equal(s.errors.length, 1);
    assert.match(s.errors[0]!, /^HPE_/);
  } finally {
    await s.close();
  }
});

test("trailer fields of a chunked request are dropped, never carried into the next request's headers", async () => {
  const seen: string[][] = [];
  const s = await serve({
    request({ req, res }) {
      seen.push(req.rawHeaders);
      req.body.resume();
      req.body.on("end", () => text(res, 200, "ok"));
    },
  });
  try {
    const r = await raw(s.port, "POST /a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\nX-Trailer: sneaky\r\nHost: evil\r\n\r\nGET /b HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    assert.equal((r.text.match(/HTTP\/1.1 200/g) ?? []).length, 2);
    assert.equal(seen.length, 2);
    assert.deepEqual(seen[1], ["Host", "a", "Connection", "close"]);
  } finally {
    await s.close();
  }
});

test("after its last response the server ends its side, lingers for the client, then closes one that never closes its own", async () => {
  let serverSocket: Socket | undefined;
  const s = await serve({ request: ({ res }) => text(res, 200, "bye"), connection: (socket) => (serverSocket = socket) }, { ...LIMITS, keepAliveTimeoutMs: 300 });
  try {
    const socket = net.connect({ port: s.port, host: "127.0.0.1", allowHalfOpen: true });
    let ended = false;
    socket.on("end", () => (ended = true));
    socket.resume();
    await new Promise((r) => socket.once("connect", r));
    socket.write("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    await eventually(() => ended, 2000, "the server's FIN");
    assert.equal(serverSocket?.destroyed, false, "not cut at once: unread client bytes would turn into a reset");
    await eventually(() => serverSocket?.destroyed === true, 2500, "the lingering connection closed by its deadline");
    socket.destroy();
  } finally {
    await s.close();
  }
});

test("an early answer to an upload reaches the client: the rest of the body is read and dropped, not left to reset the connection", async () => {
  const s = await serve({ request: ({ res }) => text(res, 413, "too large") });
  try {
    const { socket, received } = await client(s.port);
    socket.on("error", () => {});
    socket.write(`POST / HTTP/1.1\r\nHost: a\r\nContent-Length: ${8 * 1024 * 1024}\r\n\r\n`);
    const chunk = Buffer.alloc(256 * 1024, 1);
    for (let i = 0; i < 32 && socket.writable; i++) {
      if (!socket.write(chunk)) await Promise.race([new Promise((r) => socket.once("drain", r)), sleep(300)]);
    }
    await eventually(() => received().includes("too large"), 3000, "the 413");
    assert.match(received(), /^HTTP\/1.1 413 [\s\S]*connection: close\r\n/);
    socket.destroy();
  } finally {
    await s.close();
  }
});

test("a client that pipelines two requests and half-closes gets both answers, the last one announcing the close", async () => {
  const s = await serve({ request: ({ req, res }) => setTimeout(() => text(res, 200, `answer ${req.url}`), 20) });
  try {
    const { socket, received, closed } = await client(s.port, { allowHalfOpen: true });
    socket.end("GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n");
    await closed;
    const [first, second] = received().split(/(?=HTTP\/1.1 )/);
    assert.match(first!, /connection: keep-alive\r\n[\s\S]*answer \/1$/);
    assert.match(second!, /connection: close\r\n[\s\S]*answer \/2$/);
  } finally {
    await s.close();
  }
});

test("bytes after a Connection: close request are dropped, and that request is still answered (RFC 9112 §9.6)", async () => {
  const seen: string[] = [];
  const s = await serve({
    request({ req, res }) {
      seen.push(req.url);
      // Answer later, so the extra bytes have arrived (and been parsed) before the response starts.
      setTimeout(() => text(res, 200, `ok ${req.url}`), 50);
    },
  });
  try {
    for (const extra of ["GET /second HTTP/1.1\r\nHost: a\r\n\r\n", "garbage that is no request at all\r\n", "G"]) {
      seen.length = 0;
      const c = await client(s.port);
      c.socket.write(`GET /first HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n${extra}`);
      await c.closed;
      assert.match(c.received(), /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nok \/first$/, `answered despite ${JSON.stringify(extra)}`);
      assert.deepEqual(seen, ["/first"], "nothing after the close request is read as a request");
    }
    assert.deepEqual(s.errors, [], "no client error is reported");
  } finally {
    await s.close();
  }
});
