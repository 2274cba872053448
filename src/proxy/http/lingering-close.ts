/**
 * Ending a connection the proxy took over from the HTTP server (an Upgrade
 * it refused or relayed a refusal on): what the client sends from now on is
 * read and dropped, never forwarded, so closing does not reset the
 * connection before the client has read the response (nginx's lingering
 * close), and a client that never closes is cut after a short while.
 */
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";

/** How long the connection waits for the client to close after the last response. */
const LINGER_MS = 2000;

export function lingeringClose(socket: Duplex, last?: string): void {
  socket.on("data", discard);
  socket.resume();
  if (last === undefined) socket.end();
  else socket.end(last, "latin1");
  (socket as Socket).setTimeout?.(LINGER_MS, () => socket.destroy());
}

function discard(): void {}
