/** Storing while streaming: the client gets every byte, the cache copy never exceeds the limit. */
import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { test } from "node:test";
import { teeBody } from "../../src/proxy/cache/body.js";

function source(chunks: number, size: number): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent++ < chunks) this.push(Buffer.alloc(size, 97));
      else this.push(null);
    },
  });
}

async function drain(r: Readable): Promise<number> {
  let n = 0;
  for await (const c of r) n += (c as Buffer).length;
  return n;
}

test("a body within the limit reaches the client and the cache whole", async () => {
  const tee = teeBody(source(10, 100), 1000);
  assert.equal(await drain(tee.body), 1000);
  const body = await tee.done;
  assert.equal(body?.length, 1000);
});

test("a body over the limit streams through whole while the cache copy stops at the limit", async () => {
  const limit = 64 * 1024;
  const tee = teeBody(source(200, 16 * 1024), limit);
  let peak = 0;
  let n = 0;
  for await (const c of tee.body) {
    n += (c as Buffer).length;
    peak = Math.max(peak, tee.capturedBytes());
  }
  assert.equal(n, 200 * 16 * 1024);
  assert.ok(peak <= limit, `held ${peak} bytes for the cache`);
  assert.equal(tee.capturedBytes(), 0, "the partial copy was dropped");
  assert.equal(await tee.done, undefined);
});

test("when the client leaves, a cacheable body is still read to the end and stored", async () => {
  const tee = teeBody(source(50, 100), 10_000);
  tee.body.destroy();
  const body = await tee.done;
  assert.equal(body?.length, 5000);
});

test("when the client leaves and the body is too large to cache, the upstream is abandoned", async () => {
  const upstream = source(1000, 1000);
  const tee = teeBody(upstream, 2000);
  tee.body.once("data", () => tee.body.destroy());
  tee.body.resume();
  assert.equal(await tee.done, undefined);
  await new Promise((r) => setTimeout(r, 20));
  assert.ok(upstream.destroyed);
});

test("an upstream error reaches the client and stores nothing", async () => {
  const upstream = new Readable({ read() {} });
  const tee = teeBody(upstream, 10_000);
  upstream.push(Buffer.from("partial"));
  setImmediate(() => upstream.destroy(new Error("reset")));
  await assert.rejects(drain(tee.body), /reset/);
  assert.equal(await tee.done, undefined);
});

test("bodies served from cache expose their buffer for a one-call write", async () => {
  const { BufferBody, bufferBody } = await import("../../src/proxy/cache/body.js");
  const body = bufferBody(Buffer.from("cached"));
  assert.ok(body instanceof BufferBody);
  assert.equal(body.buffer.toString(), "cached");
  assert.equal((await drain(body)), 6, "and still work as a stream");
});
