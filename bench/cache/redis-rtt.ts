/**
 * The bare Redis round trip an L2 hit cannot avoid: GETs of one key, one at a
 * time, on a plain TCP socket (no client library, so nothing but the wire and
 * redis-server). cache-hits.ts runs it pinned to the proxy's CPU, next to the
 * L2 hits, so a reader sees how much of an L2 hit is the wire.
 *
 *   node dist/bench/cache/redis-rtt.js <port> <key> <seconds>
 *
 * Prints one JSON line: {"gets": n, "p50Ms": …, "avgMs": …, "bytes": value size}.
 */
import { connect, type Socket } from "node:net";

/** Sends GET and resolves with the value's size once the whole bulk reply has arrived. */
function getter(socket: Socket, key: string): () => Promise<number> {
  const command = Buffer.from(`*2\r\n$3\r\nGET\r\n$${Buffer.byteLength(key)}\r\n${key}\r\n`);
  let received: Buffer = Buffer.alloc(0);
  let done: ((bytes: number) => void) | undefined;
  let fail: ((err: Error) => void) | undefined;
  socket.on("data", (chunk: Buffer) => {
    received = received.length === 0 ? chunk : Buffer.concat([received, chunk]);
    const eol = received.indexOf("\r\n");
    if (eol < 0) return;
    if (received[0] !== 0x24) return fail?.(new Error(`unexpected reply ${JSON.stringify(received.toString("latin1", 0, eol))}`));
    const size = Number(received.toString("latin1", 1, eol));
    if (size < 0) return fail?.(new Error(`key ${key} does not exist`));
    if (received.length < eol + 2 + size + 2) return;
    received = Buffer.alloc(0);
    done?.(size);
  });
  return () => new Promise<number>((resolve, reject) => {
    done = resolve;
    fail = reject;
    socket.write(command);
  });
}

async function main(): Promise<void> {
  const [portArg, key, secondsArg] = process.argv.slice(2);
  const port = Number(portArg), seconds = Number(secondsArg);
  if (!Number.isInteger(port) || !key || !Number.isFinite(seconds) || seconds <= 0) throw new Error("usage: redis-rtt.js <port> <key> <seconds>");
  const socket = connect({ port, host: "127.0.0.1", noDelay: true });
  await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
  try {
    const get = getter(socket, key);
    let bytes = 0;
    for (let i = 0; i < 1000; i++) bytes = await get();
    const samples: number[] = [];
    const deadline = performance.now() + seconds * 1000;
    for (let t0 = performance.now(); t0 < deadline; t0 = performance.now()) {
      await get();
      samples.push(performance.now() - t0);
    }
    samples.sort((a, b) => a - b);
    const avgMs = samples.reduce((a, b) => a + b, 0) / samples.length;
    console.log(JSON.stringify({ gets: samples.length, p50Ms: samples[samples.length >> 1], avgMs, bytes }));
  } finally {
    socket.destroy();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
