/**
 * Runs the real proxy (`node dist/src/proxy/main.js --config file.json`) as a
 * child process for cross-process cache tests, and builds its config.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { ownChild, stopChild } from "../support/children.js";
import type { CacheConfig, ProxyRuntimeConfig, RouteCacheConfig } from "../../src/plan/proxy-config.js";

const MAIN = join(dirname(fileURLToPath(import.meta.url)), "../../src/proxy/main.js");
export const ADMIN_TOKEN_ENV = "EF_TEST_ADMIN_TOKEN";

export function proxyConfig(originPort: number, cache: CacheConfig, route: Partial<RouteCacheConfig> = {}): ProxyRuntimeConfig {
  return {
    version: 1,
    name: "cache-test",
    listeners: [{ name: "web", protocol: "http", host: "127.0.0.1", port: 0 }],
    routes: [{
      name: "all", listeners: ["web"], match: { pathPrefix: "/" }, cluster: "origin", balancer: { algorithm: "round-robin" },
      retry: { attempts: 0, on: [] }, timeouts: { connectMs: 1000, responseMs: 5000, idleMs: 5000 },
      cache: { cache: cache.name, keyQuery: "keep", cacheSetCookie: false, ...route },
    }],
    clusters: [{
      name: "origin", discovery: { type: "static", endpoints: [{ host: "127.0.0.1", port: originPort, weight: 1 }] },
      outlier: { consecutive5xx: 0, consecutiveConnectFailures: 0, baseEjectionMs: 30_000, maxEjectionMs: 300_000, panicThreshold: 0 },
    }],
    caches: [cache],
    admin: { host: "127.0.0.1", port: 0, tokenEnv: ADMIN_TOKEN_ENV },
    limits: { headerTimeoutMs: 5000, requestTimeoutMs: 10_000, maxHeaderBytes: 16 * 1024, keepAliveTimeoutMs: 5000 },
    trustedProxies: [],
    retryBudget: { ratio: 0.2, minPerSecond: 100 },
    accessLog: false,
    workers: 1,
  };
}

export interface ProxyProcess {
  web: number;
  admin: number;
  /** Every bound port by listener name (and "admin"). */
  ports: Record<string, number>;
  logs: string[];
  stop(): Promise<void>;
}

/** Starts one proxy process and resolves once it printed its ready line. */
export async function startProxyProcess(config: ProxyRuntimeConfig, token: string, timeoutMs = 15_000): Promise<ProxyProcess> {
  const dir = await mkdtemp(join(tmpdir(), "edgeform-cache-"));
  const file = join(dir, "proxy.json");
  await writeFile(file, JSON.stringify(config));
  const child = ownChild(spawn(process.execPath, [MAIN, "--config", file, "--workers", String(config.workers ?? 1)], {
    env: { ...process.env, [ADMIN_TOKEN_ENV]: token },
    stdio: ["ignore", "pipe", "pipe"],
  }));
  const logs: string[] = [];
  child.stderr!.on("data", (d: Buffer) => logs.push(d.toString()));
  const ready = new Promise<{ web: number; admin: number; ports: Record<string, number> }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`proxy not ready after ${timeoutMs} ms:\n${logs.join("")}`)), timeoutMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`proxy exited with ${code} before it was ready:\n${logs.join("")}`));
    });
    createInterface({ input: child.stdout! }).on("line", (line) => {
      logs.push(line);
      try {
        const msg = JSON.parse(line) as { event?: string; ports?: Record<string, number> };
        if (msg.event === "ready" && msg.ports) {
          clearTimeout(timer);
          resolve({ web: msg.ports["web"]!, admin: msg.ports["admin"]!, ports: msg.ports });
        }
      } catch {
        // Not a JSON log line.
      }
    });
  });
  const stop = async () => {
    await stopChild(child, "SIGTERM", 5000);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    return { ...(await ready), logs, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
