/** Runs the edgeform CLI as users do: a plain node process from the repository root. */
import { spawn } from "node:child_process";
import { join } from "node:path";

export const root = new URL("../../../../", import.meta.url).pathname;
const cli = join(root, "bin", "edgeform.js");

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function edgeform(args: string[], env: NodeJS.ProcessEnv = process.env, timeoutMs = 120_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"], timeout: timeoutMs });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d));
    child.stderr.on("data", (d: Buffer) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}
