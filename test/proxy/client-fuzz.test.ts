/**
 * Issue #11: a bounded fuzz test of the client side. Valid requests (simple,
 * with bodies, chunked, pipelined, absolute-form) are mutated byte by byte
 * (flips, inserted CR/LF/NUL/space/colon/high bytes, deletions, truncations,
 * duplicated lines) and sent to a real proxy in front of a recording origin.
 * Whatever arrives, the proxy must:
 *   - never fail internally (no 500) and keep serving (a control request
 *     succeeds after every batch);
 *   - forward nothing it did not parse and route itself (no smuggling):
 *     every request the origin receives carries this proxy's Via and an
 *     X-Request-Id that its access log recorded for a routed request;
 *   - forward only requests in the one normal form (canonical Host, normal
 *     target, no underscore names, no fragment).
 * Bounded by a run count and a time limit, so it stays well under a minute.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { pino } from "pino";
import net from "node:net";
import { cluster, config, eventually, get, LogCapture, route, startBackend, withProxy } from "./support.js";

const CORPUS = [
  "GET /static/a.js?v=1 HTTP/1.1\r\nHost: shop.test\r\nAccept: */*\r\nConnection: close\r\n\r\n",
  "POST /api/items HTTP/1.1\r\nHost: shop.test\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello",
  "POST /api/up HTTP/1.1\r\nHost: shop.test\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
  "GET /a HTTP/1.1\r\nHost: shop.test\r\n\r\nGET /b HTTP/1.1\r\nHost: shop.test\r\nConnection: close\r\n\r\n",
  "GET http://shop.test:8080/p/../q HTTP/1.1\r\nHost: other.test\r\nConnection: close\r\n\r\n",
  "GET /x HTTP/1.0\r\nHost: shop.test\r\nX-Forwarded-For: 1.2.3.4\r\n\r\n",
  "PUT /r HTTP/1.1\r\nHost: [::1]:8080\r\nExpect: 100-continue\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
];

const INTERESTING = [0x0d, 0x0a, 0x00, 0x20, 0x09, 0x3a, 0x2f, 0x25, 0x2e, 0x23, 0x5c, 0x40, 0x2c, 0x22, 0x5f, 0x80, 0xff, 0x30, 0x7f];

type Mutation =
  | { kind: "flip"; at: number; byte: number }
  | { kind: "insert"; at: number; byte: number }
  | { kind: "delete"; at: number; length: number }
  | { kind: "truncate"; at: number }
  | { kind: "duplicate-line"; at: number };

const position = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true });
const byte = fc.oneof(fc.constantFrom(...INTERESTING), fc.integer({ min: 0, max: 255 }));
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("flip" as const), at: position, byte }),
  fc.record({ kind: fc.constant("insert" as const), at: position, byte }),
  fc.record({ kind: fc.constant("delete" as const), at: position, length: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant("truncate" as const), at: position }),
  fc.record({ kind: fc.constant("duplicate-line" as const), at: position }),
);

function mutate(input: string, mutations: readonly Mutation[]): Buffer {
  let b = Buffer.from(input, "latin1");
  for (const m of mutations) {
    const at = Math.floor(m.at * b.length);
    switch (m.kind) {
      case "flip":
        b = Buffer.from(b);
        b[at] = m.byte;
        break;
      case "insert":
        b = Buffer.concat([b.subarray(0, at), Buffer.from([m.byte]), b.subarray(at)]);
        break;
      case "delete":
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + m.length)]);
        break;
      case "truncate":
        b = b.subarray(0, at);
        break;
      case "duplicate-line": {
        const start = b.lastIndexOf("\r\n", at) + 2;
        const end = b.indexOf("\r\n", at);
        if (start > 1 && end > start) b = Buffer.concat([b.subarray(0, end + 2), b.subarray(start, end + 2), b.subarray(end + 2)]);
        break;
      }
    }
  }
  return b;
}

/** Sends `bytes` and half-closes, so the proxy sees the end of input at once; collects the reply until close or `waitMs`. */
function sendAndEnd(port: number, bytes: Buffer, waitMs: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(Buffer.concat(chunks).toString("latin1"));
    };
    const timer = setTimeout(done, waitMs);
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.on("error", done);
    socket.on("close", done);
    socket.on("connect", () => socket.end(bytes));
  });
}

const NORMAL_TARGET = /^\/(?!.*(?:#|\/\.\.?(?:\/|$|\?)|\/\/|%2[eEfF]|%5[cC]))/;

test("fuzz: mutated client requests never crash the proxy, smuggle a request or reach the origin in a non-normal form", async () => {
  const origin = await startBackend("origin");
  let cases = 0;
  let forwarded = 0;
  const forwardedIds: string[] = [];
  const log = new LogCapture();
  try {
    const limits = { headerTimeoutMs: 300, requestTimeoutMs: 600, maxHeaderBytes: 16 * 1024, keepAliveTimeoutMs: 300 };
    await withProxy(config([cluster("f", [origin])], [route("r", "f")], { limits, accessLog: true }), async (proxy) => {
      const port = proxy.ports["web"]!;
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...CORPUS), fc.array(mutation, { minLength: 1, maxLength: 3 }), async (seed, mutations) => {
          cases++;
          const before = origin.seen.length;
          const reply = await sendAndEnd(port, mutate(seed, mutations), 1000);
          const received = origin.seen.slice(before);
          forwarded += received.length;
          const statuses = [...reply.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
          assert.ok(!statuses.includes(500), `no internal error: ${reply.slice(0, 200)}`);
          for (const r of received) {
            assert.match(String(r.headers.via), /(?:^|, )1\.1 test$/, "the request went through this proxy's forwarding");
            forwardedIds.push(String(r.headers["x-request-id"]));
            assert.match(r.url, NORMAL_TARGET, `normal target forwarded: ${r.url}`);
            const host = String(r.headers.host);
            assert.equal(host, host.toLowerCase());
            assert.match(host, /^(?:[a-z0-9_-]+(?:\.[a-z0-9_-]+)*|\[[0-9a-f:.]+\])(?::\d{1,5})?$/, `canonical Host: ${host}`);
            assert.ok(!r.rawHeaders.some((n, i) => i % 2 === 0 && n.includes("_")), "no underscore header names");
            assert.equal(r.headers["x-forwarded-host"], host);
          }
        }),
        { numRuns: 1500, interruptAfterTimeLimit: 25_000, markInterruptAsFailure: false },
      );
      const control = await get(port, "/after", { headers: { host: "shop.test" } });
      assert.equal(control.status, 200, "the proxy still serves after the fuzzing");
      const routed = () => new Set(log.lines.filter((l) => l.type === "access" && l.route === "r").map((l) => String(l.requestId)));
      await eventually(() => forwardedIds.every((id) => routed().has(id)), 5000, "every request the origin got was one the proxy routed");
    }, { logger: pino({ level: "info" }, log) });
  } finally {
    await origin.close();
  }
  assert.ok(cases >= 200, `ran ${cases} cases`);
  assert.ok(forwarded > 30, `some mutated requests were still valid and forwarded (${forwarded})`);
});
