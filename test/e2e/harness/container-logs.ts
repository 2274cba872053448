/** A container's recent output, for error messages that say why it failed. */
import type Docker from "dockerode";

export async function logsTail(container: Docker.Container, lines = 40): Promise<string> {
  try {
    const buf = (await container.logs({ stdout: true, stderr: true, tail: lines, follow: false })) as unknown as Buffer;
    return demuxLogs(buf);
  } catch {
    return "(logs unavailable)";
  }
}

/** Docker multiplexes stdout/stderr in 8-byte framed chunks for non-TTY containers. */
export function demuxLogs(buf: Buffer): string {
  let out = "";
  let at = 0;
  while (at + 8 <= buf.length && (buf[at] === 1 || buf[at] === 2) && buf[at + 1] === 0) {
    const size = buf.readUInt32BE(at + 4);
    out += buf.subarray(at + 8, at + 8 + size).toString("utf8");
    at += 8 + size;
  }
  return at === 0 ? buf.toString("utf8") : out;
}
