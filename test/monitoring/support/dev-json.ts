/**
 * `edgeform dev <spec> --format json` as a child process for monitoring tests:
 * its JSON events collected as they arrive, other output kept for failure
 * messages, and a poller for "until something shows up".
 */
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { root } from "./specs.js";

export interface DevJson {
  child: ChildProcess;
  events: Array<Record<string, unknown>>;
  /** Events and output so far, for an assertion message. */
  show(): string;
}

export function startDevJson(spec: string, env: NodeJS.ProcessEnv = process.env): DevJson {
  const child = spawn(process.execPath, [join(root, "bin/edgeform.js"), "dev", spec, "--no-tty", "--no-watch", "--format", "json"], { stdio: ["ignore", "pipe", "pipe"], env });
  const events: Array<Record<string, unknown>> = [];
  const output: string[] = [];
  createInterface({ input: child.stdout! }).on("line", (line) => {
    try {
      events.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      output.push(line);
    }
  });
  createInterface({ input: child.stderr! }).on("line", (line) => output.push(line));
  const show = () => `events: ${events.map((e) => `${e["event"]}${e["message"] ? `(${e["message"]})` : ""}`).join(", ")}\noutput: ${output.join("\n")}`;
  return { child, events, show };
}

/** Poll until the probe answers; a probe that throws (a port not listening yet) is asked again. */
export async function until<T>(what: string, timeoutMs: number, probe: () => T | undefined | Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    const found = await Promise.resolve().then(probe).catch((e: unknown) => void (last = e));
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ""}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
