/**
 * Bodies: serving a stored buffer, and storing while streaming — the upstream
 * body goes to the client as it arrives and into a buffer only up to the
 * object limit; past the limit the copy is dropped and the rest streams
 * through, so no body is ever held beyond the limit.
 */
import { PassThrough, Readable } from "node:stream";

/**
 * A body served from cache: a Readable of one buffer (without Readable.from's
 * async-iterator overhead) that also exposes the buffer, so a server may
 * write it in one call (`res.end(body.buffer)`) instead of piping a stream.
 */
export class BufferBody extends Readable {
  readonly buffer: Buffer;
  constructor(buffer: Buffer) {
    super();
    this.buffer = buffer;
    if (buffer.length > 0) this.push(buffer);
    this.push(null);
  }

  override _read(): void {
    // Everything was pushed at construction.
  }
}

export function bufferBody(buf: Buffer): Readable {
  return new BufferBody(buf);
}

export function emptyBody(): Readable {
  return bufferBody(Buffer.alloc(0));
}

/** Lets an unwanted upstream body drain so its connection can be reused; errors are irrelevant. */
export function discardBody(body: Readable): void {
  body.on("error", () => {});
  body.resume();
}

export interface CacheTee {
  /** What the client reads. */
  body: Readable;
  /** The whole body when it ended within the limit; undefined if it was larger or failed. */
  done: Promise<Buffer | undefined>;
  /** Bytes currently held for the cache (never above the limit). */
  capturedBytes(): number;
}

export function teeBody(upstream: Readable, maxBytes: number): CacheTee {
  const out = new PassThrough();
  let chunks: Buffer[] | undefined = [];
  let size = 0;
  let settle!: (b: Buffer | undefined) => void;
  const done = new Promise<Buffer | undefined>((resolve) => (settle = resolve));
  let settled = false;
  const finish = (b: Buffer | undefined) => {
    if (settled) return;
    settled = true;
    chunks = undefined;
    settle(b);
  };

  upstream.on("data", (chunk: Buffer) => {
    if (chunks) {
      size += chunk.length;
      if (size > maxBytes) chunks = undefined;
      else chunks.push(chunk);
    }
    if (out.destroyed) {
      // The client left: keep reading only while the body can still be cached.
      if (!chunks) upstream.destroy();
      return;
    }
    if (!out.write(chunk)) upstream.pause();
  });
  out.on("drain", () => upstream.resume());
  upstream.on("end", () => {
    const body = chunks ? Buffer.concat(chunks, size) : undefined;
    finish(body);
    if (!out.destroyed) out.end();
  });
  upstream.on("error", (err) => {
    finish(undefined);
    if (!out.destroyed) out.destroy(err);
  });
  upstream.on("close", () => {
    if (settled) return;
    finish(undefined);
    if (!out.destroyed) out.destroy(new Error("upstream body closed before its end"));
  });
  out.on("close", () => {
    if (settled) return;
    if (chunks) upstream.resume();
    else upstream.destroy();
  });
  return { body: out, done, capturedBytes: () => (chunks ? size : 0) };
}

/** Reads a whole body of at most `maxBytes` (background refreshes); undefined when larger or failed. */
export function readBody(upstream: Readable, maxBytes: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    upstream.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        upstream.destroy();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    upstream.on("end", () => resolve(Buffer.concat(chunks, size)));
    upstream.on("error", () => resolve(undefined));
    upstream.on("close", () => resolve(undefined));
  });
}
