/**
 * The edge proxy as `edgeform dev` runs it: the real data plane
 * (dist/src/proxy/main.js) reading the plan's runtime config from a file,
 * reloaded with SIGHUP, and reached through its admin listener for readiness,
 * metrics and purges.
 */
import { existsSync } from "node:fs";
import { rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { EdgeformError } from "../errors.js";
import type { ProxyRuntimeConfig } from "../plan/proxy-config.js";
import { parsePrometheusText } from "./metrics-scrape.js";
import { LOOPBACK } from "./ports.js";
import type { Spawn, SupervisedProcess } from "./process.js";
import type { Scrape } from "./stats.js";

/** Host names a client on this machine reaches the edge by. */
const LOCAL_HOSTS = ["127.0.0.1", "localhost"];

export interface EdgeProxyOptions {
  entry: string;
  node: string;
  stateDir: string;
  cwd: string;
  adminPort: number;
  /** The admin bearer token and the variable the proxy reads it from (config.admin.tokenEnv). */
  token: string;
  tokenEnv: string;
  startTimeoutMs: number;
  /** The spec's edge.workers; dev runs one process when unset. */
  workers: number | undefined;
  spawn: Spawn;
  isStopping: () => boolean;
}

export class EdgeProxy {
  readonly configFile: string;
  private proc: SupervisedProcess | undefined;

  constructor(private readonly o: EdgeProxyOptions) {
    this.configFile = join(o.stateDir, "proxy.json");
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  /** Written whole and renamed into place, so a reload never reads half a file. */
  async writeConfig(config: ProxyRuntimeConfig): Promise<void> {
    await writeFile(`${this.configFile}.tmp`, JSON.stringify(config, null, 2) + "\n", { mode: 0o600 });
    await rename(`${this.configFile}.tmp`, this.configFile);
  }

  /** Start it on the config file and wait until GET /readyz answers 200. */
  async start(): Promise<void> {
    if (!existsSync(this.o.entry)) {
      throw new EdgeformError("EF_DEV_CHILD_FAILED", `the edge proxy is not built: ${this.o.entry} does not exist`, {
        hint: "run `npm run build` (`npm ci` builds too) in the edgeform checkout",
      });
    }
    this.proc = this.o.spawn("proxy", {
      name: "edge",
      // One process unless the spec asks for workers: it starts faster and a laptop has other work to do.
      command: { file: this.o.node, args: [this.o.entry, "--config", this.configFile, ...(this.o.workers === undefined ? ["--workers", "1"] : [])] },
      cwd: this.o.cwd,
      env: { [this.o.tokenEnv]: this.o.token },
      restart: true,
      // It drains connections and stops its workers itself on SIGTERM.
      terminate: "leader",
    });
    await this.waitReady(this.proc);
  }

  /** Re-read the config file without dropping connections; false while it is not running. */
  reload(): boolean {
    return this.proc?.signal("SIGHUP") ?? false;
  }

  async stop(graceMs: number): Promise<void> {
    await this.proc?.stop(graceMs);
  }

  /**
   * Purge what was cached for the hosts a local client uses (the `p` key):
   * the proxy keys entries by host, and purges by prefix need one.
   */
  async purge(): Promise<{ status: number; detail: string }> {
    let purged = 0;
    for (const host of LOCAL_HOSTS) {
      const res = await fetch(this.adminUrl("/purge"), {
        method: "POST",
        headers: { authorization: `Bearer ${this.o.token}`, "content-type": "application/json" },
        body: JSON.stringify({ prefix: `${host}/` }),
        signal: AbortSignal.timeout(5_000),
      });
      const text = (await res.text()).trim();
      if (!res.ok) return { status: res.status, detail: text.slice(0, 500) };
      purged += Number((JSON.parse(text) as { purged?: unknown }).purged) || 0;
    }
    return { status: 200, detail: `${purged} entr${purged === 1 ? "y" : "ies"} removed (hosts ${LOCAL_HOSTS.join(", ")})` };
  }

  /** One scrape of /metrics; undefined while the proxy does not answer. */
  async scrape(): Promise<Scrape | undefined> {
    try {
      const res = await fetch(this.adminUrl("/metrics"), { headers: { authorization: `Bearer ${this.o.token}` }, signal: AbortSignal.timeout(2_000) });
      if (!res.ok) {
        await res.body?.cancel();
        return undefined;
      }
      return { at: Date.now(), samples: parsePrometheusText(await res.text()) };
    } catch {
      return undefined;
    }
  }

  private adminUrl(path: string): string {
    return `http://${LOOPBACK}:${this.o.adminPort}${path}`;
  }

  private async waitReady(proc: SupervisedProcess): Promise<void> {
    const deadline = Date.now() + this.o.startTimeoutMs;
    while (Date.now() < deadline && !this.o.isStopping()) {
      if (proc.exitCount > 0) {
        throw new EdgeformError("EF_DEV_CHILD_FAILED", `the edge proxy exited while starting${tailOf(proc)}`, {
          hint: "the lines above come from the proxy; fix their cause (often a port or config problem) and run edgeform dev again",
        });
      }
      try {
        const res = await fetch(this.adminUrl("/readyz"), { signal: AbortSignal.timeout(1_000) });
        await res.body?.cancel();
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    if (this.o.isStopping()) return;
    throw new EdgeformError("EF_DEV_CHILD_FAILED", `the edge proxy did not become ready within ${this.o.startTimeoutMs / 1000}s (GET /readyz on ${LOOPBACK}:${this.o.adminPort})${tailOf(proc)}`, {
      hint: "see the proxy's output above",
    });
  }
}

function tailOf(proc: SupervisedProcess): string {
  const lines = proc.tail().slice(-10);
  return lines.length ? `:\n    ${lines.join("\n    ")}` : "";
}
