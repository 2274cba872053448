import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { test } from "node:test";
import type { ProxyRuntimeConfig } from "../../src/plan/proxy-config.js";
import { startProxy } from "../../src/proxy/index.js";
import { cluster, config, get, route, silentLogger, sleep, startBackend } from "./support.js";

const MAIN = new URL("../../src/proxy/main.js", import.meta.url).pathname;

test("graceful shutdown finishes an in-flight request, then refuses new connections", async () => {
  const b = await startBackend("slow", (_req, res) => setTimeout(() => res.end("done"), 300));
  const proxy = await startProxy(config([cluster("f", [b])], [route("r", "f")]), { logger: silentLogger(), drainTimeoutMs: 5000 });
  try {
    const port = proxy.ports["web"]!;
    const inflight = get(port);
    await sleep(80);
    const closing = proxy.close();
    const r = await inflight;
    assert.equal(r.status, 200);
    assert.equal(r.body, "done");
    assert.equal(r.headers["connection"], "close", "the last response tells the client to reconnect elsewhere");
    await closing;
    await assert.rejects(get(port), /ECONNREFUSED/);
  } finally {
    await proxy.close();
    await b.close();
  }
});

test("reload swaps routes atomically; in-flight requests finish on the old config; the listener keeps its port", async () => {
  const old = await startBackend("old", (_req, res) => setTimeout(() => res.end("old"), 200));
  const fresh = await startBackend("new");
  const proxy = await startProxy(config([cluster("f", [old])], [route("r", "f")]), { logger: silentLogger() });
  try {
    const port = proxy.ports["web"]!;
    const before = get(port);
    await sleep(50);
    await proxy.reload(config([cluster("g", [fresh])], [route("r2", "g")]));
    assert.equal(proxy.ports["web"], port);
    assert.equal((await before).body, "old", "started before the reload: served by the old generation");
    assert.equal((await get(port)).body, "new");
    await assert.rejects(proxy.reload({ ...config([], []), routes: [route("x", "missing")] }), /unknown fleet "missing"/);
    assert.equal((await get(port)).body, "new", "a rejected reload changes nothing");
    const moved = config([cluster("g", [fresh])], [route("r2", "g")]);
    moved.listeners = [{ name: "web", protocol: "http", host: "127.0.0.1", port: 0 }, { name: "extra", protocol: "http", host: "127.0.0.1", port: 0 }];
    moved.routes[0]!.listeners = ["web", "extra"];
    await proxy.reload(moved);
    assert.equal(proxy.ports["web"], port, "unchanged listener keeps its socket");
    assert.equal((await get(proxy.ports["extra"]!)).body, "new", "a new listener is bound on reload");
  } finally {
    await proxy.close();
    await old.close();
    await fresh.close();
  }
});

interface Child {
  proc: ChildProcess;
  ready: Promise<Record<string, unknown>>;
  lines: Array<Record<string, unknown>>;
}

function spawnProxy(configFile: string, args: string[] = []): Child {
  const proc = spawn(process.execPath, [MAIN, "--config", configFile, ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, EDGEFORM_LOG_LEVEL: "info" } });
  const lines: Array<Record<string, unknown>> = [];
  let stderr = "";
  proc.stderr!.on("data", (d) => (stderr += d));
  const ready = new Promise<Record<string, unknown>>((resolve, reject) => {
    createInterface({ input: proc.stdout! }).on("line", (line) => {
      const entry = JSON.parse(line) as Record<string, unknown>;
      lines.push(entry);
      if (entry["event"] === "ready") resolve(entry);
    });
    proc.once("exit", (code) => reject(new Error(`proxy exited (${code}) before ready: ${stderr}`)));
  });
  return { proc, ready, lines };
}

function exited(proc: ChildProcess): Promise<number | null> {
  return new Promise((r) => (proc.exitCode !== null ? r(proc.exitCode) : proc.once("exit", (code) => r(code))));
}

test("SIGHUP reload under load loses no request (main.js as a child process)", async () => {
  const a = await startBackend("a");
  const b = await startBackend("b");
  const dir = mkdtempSync(join(tmpdir(), "edgeform-proxy-"));
  const file = join(dir, "proxy.json");
  const write = (cfg: ProxyRuntimeConfig) => writeFileSync(file, JSON.stringify(cfg));
  const withBackend = (name: "a" | "b") => config([cluster("f", [name === "a" ? a : b])], [route("r", "f")], { accessLog: true });
  write(withBackend("a"));
  const child = spawnProxy(file, ["--workers", "1"]);
  try {
    const ready = await child.ready;
    const port = (ready["ports"] as Record<string, number>)["web"]!;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
    const failures: string[] = [];
    const bodies = new Set<string>();
    let stop = false;
    let done = 0;
    const load = Promise.all(
      Array.from({ length: 4 }, async () => {
        while (!stop) {
          try {
            const body = await new Promise<string>((resolve, reject) => {
              http.get({ host: "127.0.0.1", port, path: "/", agent }, (res) => {
                let text = "";
                res.on("data", (d) => (text += d));
                res.on("end", () => (res.statusCode === 200 ? resolve(text) : reject(new Error(`status ${res.statusCode}`))));
              }).on("error", reject);
            });
            bodies.add(body);
            done++;
          } catch (e) {
            failures.push((e as Error).message);
          }
        }
      }),
    );
    for (const next of ["b", "a", "b"] as const) {
      await sleep(150);
      write(withBackend(next));
      child.proc.kill("SIGHUP");
    }
    await sleep(300);
    stop = true;
    await load;
    agent.destroy();
    assert.deepEqual(failures, [], "no request failed across three reloads");
    assert.ok(done > 50, `load ran (${done} requests)`);
    assert.deepEqual(bodies, new Set(["a", "b"]), "traffic followed the reloads");
    assert.equal(child.lines.filter((l) => l["event"] === "reloaded").length, 3);
    assert.ok(child.lines.some((l) => l["type"] === "access" && l["status"] === 200), "access log lines are written");
    child.proc.kill("SIGTERM");
    assert.equal(await exited(child.proc), 0);
  } finally {
    child.proc.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
    await a.close();
    await b.close();
  }
});

test("two workers share the port; metrics are aggregated; SIGTERM stops every worker", async () => {
  const b = await startBackend("b");
  const dir = mkdtempSync(join(tmpdir(), "edgeform-proxy-"));
  const file = join(dir, "proxy.json");
  writeFileSync(file, JSON.stringify(config([cluster("f", [b])], [route("r", "f")], { accessLog: true })));
  const child = spawnProxy(file, ["--workers", "2"]);
  try {
    const ready = await child.ready;
    assert.equal(ready["workers"], 2);
    const ports = ready["ports"] as Record<string, number>;
    for (let i = 0; i < 40; i++) assert.equal((await get(ports["web"]!)).status, 200);
    const metrics = (await get(ports["admin"]!, "/metrics")).body;
    assert.match(metrics, /edgeform_http_requests_total\{listener="web",route="r",fleet="f",backend="127\.0\.0\.1:\d+",status_class="2xx"\} 40/, "the primary sums both workers");
    assert.equal((await get(ports["admin"]!, "/readyz")).status, 200);
    child.proc.kill("SIGTERM");
    assert.equal(await exited(child.proc), 0);
    const servedBy = new Set(child.lines.filter((l) => l["type"] === "access").map((l) => l["pid"]));
    assert.equal(servedBy.size, 2, "both workers accepted connections on the shared port");
    await assert.rejects(get(ports["web"]!), /ECONNREFUSED/);
  } finally {
    child.proc.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
    await b.close();
  }
});

test("main.js refuses a bad config with exit code 1 and a message", async () => {
  const dir = mkdtempSync(join(tmpdir(), "edgeform-proxy-"));
  const file = join(dir, "proxy.json");
  writeFileSync(file, JSON.stringify({ ...config([], []), routes: [route("r", "nope")] }));
  try {
    const proc = spawn(process.execPath, [MAIN, "--config", file], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    proc.stderr!.on("data", (d) => (stderr += d));
    assert.equal(await exited(proc), 1);
    assert.match(stderr, /EF_PROXY_CONFIG/);
    assert.match(stderr, /unknown fleet "nope"/);
    const usage = spawn(process.execPath, [MAIN], { stdio: ["ignore", "pipe", "pipe"] });
    assert.equal(await exited(usage), 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
