/**
 * A throwaway redis-server for tests: a free 127.0.0.1 port, no persistence,
 * stopped (and its child killed) when the test is done. Tests can kill it
 * (crash), pause it (slow/hung Redis) and start it again on the same port.
 *
 *   const redis = await startRedis();
 *   t.after(() => redis.stop());
 *   ... redis.url ...
 */
import { spawn, type ChildProcess } from "node:child_process";
import { Socket } from "node:net";
import { ownChild, stopChild } from "./children.js";
import { freePort } from "./net.js";

export interface TestRedis {
  readonly port: number;
  readonly url: string;
  /** SIGKILL, as a crash would. */
  kill(): Promise<void>;
  /** Starts it again on the same port (after kill/stop). */
  restart(): Promise<void>;
  /** SIGSTOP / SIGCONT: the server stops answering but keeps its connections. */
  pause(): void;
  resume(): void;
  /** Runs a command (RESP inline) and returns the raw reply; for assertions. */
  command(...args: string[]): Promise<string>;
  stop(): Promise<void>;
}

export { freePort };

export const REDIS_SERVER = process.env.REDIS_SERVER ?? "redis-server";


function spawnRedis(port: number): ChildProcess {
  return ownChild(spawn(REDIS_SERVER, [
    "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
    "--protected-mode", "yes", "--loglevel", "warning", "--databases", "1",
  ], { stdio: "ignore" }));
}

async function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = new Socket();
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(500, () => done(false));
    s.once("error", () => done(false));
    s.connect(port, "127.0.0.1", () => s.write("PING\r\n"));
    s.once("data", (d) => done(d.toString().startsWith("+PONG")));
  });
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

export async function startRedis(): Promise<TestRedis> {
  let port = 0;
  let child: ChildProcess | undefined;
  // The port is free when chosen but may be taken before redis binds it: try a few.
  for (let attempt = 0; attempt < 3 && !child; attempt++) {
    port = await freePort();
    const c = spawnRedis(port);
    const exited = new Promise<boolean>((r) => c.once("exit", () => r(false)));
    const up = await Promise.race([waitUntil(() => ping(port), 5000, "redis-server").then(() => true, () => false), exited]);
    if (up) child = c;
    else c.kill("SIGKILL");
  }
  if (!child) throw new Error(`could not start ${REDIS_SERVER} (is the redis-server package installed?)`);
  let current: ChildProcess | undefined = child;

  const killCurrent = async (signal: NodeJS.Signals) => {
    const c = current;
    current = undefined;
    if (c) await stopChild(c, signal, 5000);
  };

  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill: () => killCurrent("SIGKILL"),
    async restart() {
      await killCurrent("SIGKILL");
      current = spawnRedis(port);
      await waitUntil(() => ping(port), 5000, "redis-server restart");
    },
    pause: () => void current?.kill("SIGSTOP"),
    resume: () => void current?.kill("SIGCONT"),
    command: (...args: string[]) =>
      new Promise((resolve, reject) => {
        const s = new Socket();
        let out = "";
        s.setTimeout(2000, () => {
          s.destroy();
          reject(new Error("redis command timed out"));
        });
        s.once("error", reject);
        s.connect(port, "127.0.0.1", () => {
          s.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("")}`);
        });
        s.on("data", (d) => {
          out += d.toString();
          // Enough for the simple replies assertions need (status, integer, bulk, short arrays).
          if (out.endsWith("\r\n")) {
            s.destroy();
            resolve(out);
          }
        });
      }),
    stop: () => killCurrent("SIGTERM"),
  };
}
