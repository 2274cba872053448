/**
 * Loopback ports for `edgeform dev`: free ones picked by the kernel for
 * processes we start, checks that the ports a spec asks for are free, and
 * waiting until a process accepts connections.
 */
import { createConnection, createServer, type Server } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { EdgeformError } from "../errors.js";

export const LOOPBACK = "127.0.0.1";

/** "8080" → 8080; anything that is not a port 1-65535 → undefined. */
export function parsePort(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const n = Number(text);
  return n >= 1 && n <= 65535 ? n : undefined;
}

/**
 * `count` distinct free loopback ports. All listeners are open at once so the
 * kernel cannot hand out the same port twice; ports in `avoid` (already given
 * to someone) are skipped.
 */
export async function allocatePorts(count: number, avoid: ReadonlySet<number> = new Set()): Promise<number[]> {
  const held: Server[] = [];
  const ports: number[] = [];
  try {
    // Bounded: the kernel would have to return avoided ports hundreds of times in a row.
    for (let tries = 0; ports.length < count && tries < count + 200; tries++) {
      const server = createServer();
      held.push(server);
      await listen(server, 0);
      const port = (server.address() as { port: number }).port;
      if (!avoid.has(port)) ports.push(port);
    }
  } finally {
    await Promise.all(held.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
  if (ports.length < count) throw new Error(`could not find ${count} free loopback ports`);
  return ports;
}

export type PortState = "free" | "in-use" | "denied";

/** Whether a process could bind 127.0.0.1:port right now. */
export async function probePort(port: number): Promise<PortState> {
  const server = createServer();
  try {
    await listen(server, port);
    return "free";
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE") return "in-use";
    if (code === "EACCES" || code === "EPERM") return "denied";
    throw e;
  } finally {
    await new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
  }
}

/** A clear error (not a crash) when a port the topology needs is taken. */
export async function assertPortsFree(wanted: ReadonlyArray<{ port: number; what: string; flag?: string }>): Promise<void> {
  for (const { port, what, flag } of wanted) {
    const state = await probePort(port);
    if (state === "in-use") {
      throw new EdgeformError("EF_DEV_PORT_IN_USE", `port ${port} (${what}) is already in use on ${LOOPBACK}`, {
        hint: `stop whatever listens there (\`ss -ltnp 'sport = :${port}'\` shows it)${flag ? `, or pick another port with \`${flag} <n>\`` : ""}`,
      });
    }
    if (state === "denied") {
      throw new EdgeformError("EF_DEV_PORT_IN_USE", `port ${port} (${what}) needs privileges this user does not have`, {
        hint: `ports below 1024 need root${flag ? `; pick another port with \`${flag} <n>\`` : ""}`,
      });
    }
  }
}

/** Resolves true once 127.0.0.1:port accepts a connection, false after timeoutMs. */
export async function waitForPort(port: number, timeoutMs: number, isCancelled: () => boolean = () => false): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !isCancelled()) {
    if (await canConnect(port)) return true;
    await sleep(100);
  }
  return false;
}

export function canConnect(port: number, host = LOOPBACK): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ port, host: LOOPBACK, exclusive: true }, () => {
      server.off("error", reject);
      resolve();
    });
  });
}
