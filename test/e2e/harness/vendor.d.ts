/**
 * Minimal types for tar-stream 2.x, which dockerode depends on (it packs
 * build contexts with it) and which ships no types of its own.
 */
declare module "tar-stream" {
  import type { Readable, Writable } from "node:stream";
  export interface Headers {
    name: string;
    size?: number;
    mode?: number;
    mtime?: Date;
    type?: "file" | "directory" | "symlink";
    linkname?: string;
    uid?: number;
    gid?: number;
  }
  export interface Pack extends Readable {
    entry(header: Headers, buffer: Buffer | string, callback?: (err?: Error | null) => void): Writable;
    entry(header: Headers, callback?: (err?: Error | null) => void): Writable;
    finalize(): void;
  }
  export function pack(): Pack;
}
