/**
 * Runs a Pulumi program (the real `stacks/` program) in this process under
 * the SDK's mocks, with stack config set the way `pulumi config set` would,
 * and waits until every resource it registered has been applied.
 *
 * Like Pulumi's language host, it owns unhandled promise rejections while the
 * program runs: one failed resource rejects the outputs of every resource that
 * consumes it, and nobody awaits most of those. They are collected, and the
 * first cause (the harness's own error when there is one) is what fails.
 */
import { pathToFileURL } from "node:url";
import * as pulumi from "@pulumi/pulumi";
import type { DockerMocks } from "./mocks.js";

export interface RunProgramOptions {
  /** Compiled program entry (e.g. dist/stacks/index.js). */
  program: string;
  project: string;
  stack: string;
  /** Stack config, keys as `pulumi config` shows them ("edgeform:spec"). */
  config: Record<string, string>;
  mocks: DockerMocks;
  /** Upper bound for the whole program, including every resource it applies. */
  timeoutMs: number;
}

export async function runProgram(options: RunProgramOptions): Promise<Record<string, unknown>> {
  await pulumi.runtime.setMocks(options.mocks.mocks, options.project, options.stack, false);
  options.mocks.attach(pulumi.runtime.getMonitor());
  pulumi.runtime.setAllConfig(options.config);

  const rejections: unknown[] = [];
  const saved = process.listeners("unhandledRejection");
  process.removeAllListeners("unhandledRejection");
  const collect = (reason: unknown) => void rejections.push(reason);
  process.on("unhandledRejection", collect);

  const run = async () => {
    const mod = (await import(pathToFileURL(options.program).href)) as Record<string, unknown>;
    // A program may export a function (`export default async () => ({...})`) whose result is the stack's outputs.
    const exported = typeof mod["default"] === "function" ? await (mod["default"] as () => unknown)() : mod;
    const outputs = await resolveOutputs(exported as Record<string, unknown>);
    // Resources registered without being exported are applied too: wait for every RPC, then for the engine.
    await pulumi.runtime.disconnect();
    await options.mocks.idle();
    await options.mocks.finish();
    return outputs;
  };

  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the stack program did not finish within ${options.timeoutMs} ms`)), options.timeoutMs);
  });
  try {
    const outputs = await Promise.race([run(), timeout, options.mocks.failure]);
    if (rejections.length) throw asError(rejections[0]);
    return outputs;
  } catch (err) {
    // Let the failure finish spreading (every dependent registration settles) while rejections are still ours.
    await settle(options.mocks, 30_000);
    // The harness's error is the cause; what the SDK reports downstream of it is vaguer.
    throw options.mocks.errors[0] ?? err;
  } finally {
    clearTimeout(timer);
    process.removeListener("unhandledRejection", collect);
    for (const listener of saved) process.on("unhandledRejection", listener);
  }
}

async function settle(mocks: DockerMocks, boundMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, boundMs)));
  await Promise.race([pulumi.runtime.disconnect().then(() => mocks.idle()).catch(() => {}), bound]);
  clearTimeout(timer);
  // Rejections are reported on a later turn of the event loop than the one that caused them.
  await new Promise((resolve) => setTimeout(resolve, 50));
}

function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(`unhandled rejection in the program: ${String(reason)}`);
}

async function resolveOutputs(exported: Record<string, unknown>): Promise<Record<string, unknown>> {
  const entries = Object.entries(exported ?? {}).filter(([k]) => k !== "default");
  const values = await Promise.all(entries.map(([, v]) => unwrap(v)));
  return Object.fromEntries(entries.map(([k], i) => [k, values[i]]));
}

function unwrap(value: unknown): Promise<unknown> {
  if (typeof value === "function") return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    try {
      (pulumi.output(value) as pulumi.Output<unknown>).apply((v) => {
        resolve(v);
        return v;
      });
    } catch (err) {
      reject(err);
    }
  });
}
