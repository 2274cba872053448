/**
 * Run the demo origin until SIGTERM/SIGINT, then close gracefully: stop
 * accepting, let in-flight requests finish, drop idle keep-alive sockets.
 */
import { once } from "node:events";
import { createOriginServer } from "./server.js";

export interface RunOriginOptions {
  port: number;
  host: string;
  replica: string;
  /** Empty when unknown. */
  fleet: string;
  log: (line: string) => void;
}

const GRACE_MS = 5_000;

export async function runOrigin(options: RunOriginOptions): Promise<void> {
  const { replica, fleet } = options;
  const server = createOriginServer({ replica, fleet });
  server.listen(options.port, options.host);
  await Promise.race([once(server, "listening"), once(server, "error").then(([e]) => Promise.reject(e))]);
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : options.port;
  const name = fleet ? `${fleet}-${replica}` : replica;
  options.log(`demo origin ${name} listening on http://${options.host}:${port} (pid ${process.pid})`);

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    const on = (s: NodeJS.Signals) => resolve(s);
    process.once("SIGTERM", on);
    process.once("SIGINT", on);
  });
  options.log(`demo origin ${name}: ${signal}, closing`);
  server.closeIdleConnections();
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  const timer = setTimeout(() => server.closeAllConnections(), GRACE_MS);
  await closed;
  clearTimeout(timer);
}
