/**
 * Attacks the client side must withstand, shared by the plain and the TLS
 * listener tests: request-smuggling probes (each refused before a byte
 * reaches a backend) and a slowloris client.
 */
import type { Duplex } from "node:stream";
export const SMUGGLED = "GET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n";

export const probes: Array<{ name: string; bytes: string; status: RegExp }> = [
  { name: "Content-Length with Transfer-Encoding", bytes: `POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${SMUGGLED}`, status: /^HTTP\/1.1 400/ },
  { name: "duplicate Content-Length", bytes: `POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nContent-Length: ${SMUGGLED.length}\r\n\r\n${SMUGGLED}`, status: /^HTTP\/1.1 400/ },
  { name: "obs-fold header continuation", bytes: `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n${SMUGGLED}`, status: /^HTTP\/1.1 400/ },
  { name: "obs-fold on an ordinary header", bytes: `GET / HTTP/1.1\r\nHost: a\r\nX-Folded: one\r\n two\r\n\r\n`, status: /^HTTP\/1.1 400/ },
  { name: "whitespace before the colon", bytes: `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n${SMUGGLED}`, status: /^HTTP\/1.1 400/ },
  { name: "non-numeric Content-Length", bytes: `POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\nhello${SMUGGLED}`, status: /^HTTP\/1.1 400/ },
  { name: "Transfer-Encoding not ending in chunked", bytes: `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n${SMUGGLED}`, status: /^HTTP\/1.1 400/ },
];

/**
 * Slowloris: a request head that never ends, one header byte every 100 ms
 * (each well within any idle timeout). Returns when the server closes the
 * connection (or after 4 s) with what it answered.
 */
export async function dripHeaders(socket: Duplex): Promise<{ closedAfter: number; received: string }> {
  const started = Date.now();
  let received = "";
  let closedAfter = -1;
  socket.on("data", (d: Buffer) => (received += d.toString("latin1")));
  socket.on("error", () => {});
  socket.on("close", () => (closedAfter = Date.now() - started));
  socket.write("GET / HTTP/1.1\r\nHost: a\r\n");
  for (let i = 0; i < 40 && closedAfter < 0; i++) {
    socket.write("X");
    await new Promise((r) => setTimeout(r, 100));
  }
  socket.destroy();
  return { closedAfter, received };
}
