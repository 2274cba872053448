/**
 * Cache hits, measured against real peers in the same run:
 *
 * 1. Throughput of small-object cache hits served from memory (L1): the
 *    edgeform proxy vs nginx `proxy_cache`, one worker each, the same origin,
 *    driven by wrk. A bare Node `http` server answering from a buffer is
 *    measured too, as the ceiling for anything written in Node.
 * 2. Latency of an L2 (Redis) hit vs an L1 hit through the proxy, one
 *    connection at a time. The L2 proxy's memory tier is too small to hold the
 *    object, so every request takes the Redis path. Next to them, the bare
 *    Redis GET round trip of the same record (redis-rtt.ts: a plain socket,
 *    one GET at a time, from the proxy's CPU) shows how much of an L2 hit is
 *    the wire and how much is the proxy's own work (Redis client included).
 *    The proxies' CPU time per hit is measured over the same runs: on a
 *    shared machine latency includes waiting for a CPU, CPU time does not, so
 *    L2 minus L1 CPU per hit is the steadier figure for the proxy's own work.
 *
 * Placements (with two or more CPUs and taskset): the servers (nginx, Node,
 * proxies) run on CPU 0 and wrk on CPU 1. redis-server is measured in two
 * places in each round, because where it runs decides its round trip:
 *   - on CPU 1, the other CPU: the stand-in for a Redis host elsewhere. Every
 *     GET wakes another CPU and its reply wakes the proxy's; on a small VM
 *     those cross-CPU wake-ups dominate (a bare GET takes ~3x as long).
 *   - on CPU 0, the proxy's own CPU: the GET and its reply are context
 *     switches on one CPU, so the round trip is mostly Redis and TCP work.
 * A real deployment sits between the two, plus a network hop.
 *
 * Prints the numbers and the ratios (targets: L1 >= 0.5x nginx; L2 <= 2x L1,
 * reported for each placement).
 *
 *   npm run build && node dist/bench/cache/cache-hits.js [--duration 5] [--connections 32] [--rounds 2] [--size 512] [--no-pin]
 *
 * Needs wrk, nginx and redis-server (Debian packages). Without pinning
 * (--no-pin, one CPU, or no taskset) redis-server is measured where the
 * scheduler puts it.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { availableParallelism, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { request } from "undici";
import { freePort, startRedis, type TestRedis } from "../../test/support/redis.js";
import { proxyConfig, startProxyProcess, type ProxyProcess } from "../../test/cache/proxy-process.js";

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} must be a positive number`);
  return v;
}

const DURATION_S = option("duration", 5);
const CONNECTIONS = option("connections", 32);
const ROUNDS = option("rounds", 2);
const SIZE = option("size", 512);
const PIN = !process.argv.includes("--no-pin") && availableParallelism() >= 2 && has("taskset");
const PATH = "/static/small.txt";
const HOST = "bench.test";

function has(cmd: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Runs `cmd` pinned to `cpu` when pinning is on. */
function pinned(cpu: number, cmd: string, args: string[]): [string, string[]] {
  return PIN ? ["taskset", ["-c", String(cpu), cmd, ...args]] : [cmd, args];
}

const children: ChildProcess[] = [];
process.once("exit", () => {
  for (const c of children) c.kill("SIGKILL");
});

async function startOrigin(): Promise<{ port: number; close(): Promise<void> }> {
  const body = Buffer.alloc(SIZE, "x");
  const server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/plain", "cache-control": "max-age=3600", "content-length": body.length });
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { port: (server.address() as AddressInfo).port, close: () => new Promise((r) => server.close(() => r())) };
}

async function waitForHttp(port: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    try {
      const res = await request(`http://127.0.0.1:${port}${PATH}`, { headers: { host: HOST } });
      await res.body.dump();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`nothing answered on port ${port}`);
}

async function startNginx(dir: string, originPort: number): Promise<number> {
  const port = await freePort();
  const conf = `
worker_processes 1;
daemon off;
${process.getuid?.() === 0 ? "user root;" : ""}
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  proxy_cache_path ${dir}/cache levels=1:2 keys_zone=edge:10m max_size=64m inactive=1h;
  upstream origin { server 127.0.0.1:${originPort}; keepalive 16; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://origin;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_cache edge;
      proxy_cache_key $scheme$host$request_uri;
      proxy_cache_lock on;
      add_header X-Cache-Status $upstream_cache_status;
    }
  }
}`;
  await writeFile(join(dir, "nginx.conf"), conf);
  const [cmd, args] = pinned(0, "nginx", ["-p", dir, "-c", join(dir, "nginx.conf")]);
  const child = spawn(cmd, args, { stdio: ["ignore", "ignore", "inherit"] });
  children.push(child);
  await waitForHttp(port);
  return port;
}

/** A bare Node server answering every request from one buffer: the ceiling for Node. */
async function startBareNode(dir: string): Promise<number> {
  const port = await freePort();
  const file = join(dir, "bare.cjs");
  await writeFile(file, `
const body = Buffer.alloc(${SIZE}, "x");
require("node:http").createServer((req, res) => {
  res.writeHead(200, { "content-type": "text/plain", "cache-control": "max-age=3600", "content-length": body.length });
  res.end(body);
}).listen(${port}, "127.0.0.1");`);
  const [cmd, args] = pinned(0, process.execPath, [file]);
  const child = spawn(cmd, args, { stdio: ["ignore", "ignore", "inherit"] });
  children.push(child);
  await waitForHttp(port);
  return port;
}

interface WrkResult {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  avgMs: number;
  errors: number;
  requests: number;
}

function toMs(value: string): number {
  const m = /^([\d.]+)(us|ms|s)$/.exec(value.trim());
  if (!m) return Number.NaN;
  const n = Number(m[1]);
  return m[2] === "us" ? n / 1000 : m[2] === "s" ? n * 1000 : n;
}

function wrk(port: number, connections: number, seconds: number): WrkResult {
  const [cmd, args] = pinned(1, "wrk", ["-t1", `-c${connections}`, `-d${seconds}s`, "--latency", "-H", `Host: ${HOST}`, `http://127.0.0.1:${port}${PATH}`]);
  const out = execFileSync(cmd, args, { encoding: "utf8" });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const avgMs = toMs(/Latency\s+(\S+)/.exec(out)?.[1] ?? "");
  const p50Ms = toMs(/\s50%\s+(\S+)/.exec(out)?.[1] ?? "");
  const p99Ms = toMs(/\s99%\s+(\S+)/.exec(out)?.[1] ?? "");
  const errorLine = /Non-2xx or 3xx responses:\s+(\d+)/.exec(out);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const errors = Number(errorLine?.[1] ?? 0) + (socketErrors ? socketErrors.slice(1).reduce((a, b) => a + Number(b), 0) : 0);
  const requests = Number(/(\d+) requests in/.exec(out)?.[1]);
  if (!Number.isFinite(rps)) throw new Error(`could not read wrk output:\n${out}`);
  return { rps, p50Ms, p99Ms, avgMs, errors, requests };
}

interface Placement {
  name: string;
  /** CPU redis-server is pinned to; undefined when not pinning. */
  cpu?: number;
}

interface RttResult {
  p50Ms: number;
  avgMs: number;
  bytes: number;
}

/** The Redis key of the one cached response (both proxies store the benchmark URL under it). */
async function recordKey(redis: TestRedis): Promise<string> {
  const reply = await redis.command("KEYS", "ef:*:e:*");
  const key = /^\*1\r\n\$\d+\r\n(.*)\r\n$/.exec(reply)?.[1];
  if (!key) throw new Error(`expected one cached record in Redis, found ${JSON.stringify(reply)}`);
  return key;
}

/** Bare GETs of the cached record on a plain socket, from the proxies' CPU. */
function redisRtt(port: number, key: string, seconds: number): RttResult {
  const script = join(dirname(fileURLToPath(import.meta.url)), "redis-rtt.js");
  const [cmd, args] = pinned(0, process.execPath, [script, String(port), key, String(seconds)]);
  const out = execFileSync(cmd, args, { encoding: "utf8" });
  return JSON.parse(out.trim().split("\n").pop()!) as RttResult;
}

/** Checks a server answers the benchmark URL from its cache before measuring it. */
async function assertHit(name: string, port: number, header: string, pattern: RegExp): Promise<string> {
  for (let i = 0; i < 3; i++) {
    const res = await request(`http://127.0.0.1:${port}${PATH}`, { headers: { host: HOST } });
    await res.body.dump();
    const value = String(res.headers[header] ?? "");
    if (pattern.test(value)) return value;
  }
  throw new Error(`${name} does not answer ${PATH} from its cache (${header} never matched ${pattern})`);
}

function best(results: WrkResult[]): WrkResult {
  return results.reduce((a, b) => (b.rps > a.rps ? b : a));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function fmt(r: WrkResult): string {
  return `${r.rps.toFixed(0).padStart(8)} req/s   p50 ${r.p50Ms.toFixed(3)} ms   p99 ${r.p99Ms.toFixed(3)} ms${r.errors ? `   (${r.errors} errors)` : ""}`;
}

async function main(): Promise<void> {
  for (const tool of ["wrk", "nginx", "redis-server"]) {
    if (!has(tool)) throw new Error(`${tool} is not installed (apt-get install ${tool === "redis-server" ? "redis-server" : tool})`);
  }
  const dir = await mkdtemp(join(tmpdir(), "edgeform-bench-"));
  const origin = await startOrigin();
  const redis = await startRedis();
  const proxies: ProxyProcess[] = [];
  try {
    const nginxPort = await startNginx(dir, origin.port);
    const barePort = await startBareNode(dir);
    const cache = (maxBytes: number) => ({
      name: "edge", memory: { maxBytes, maxObjectBytes: 1024 * 1024 },
      redis: { url: redis.url, timeoutMs: 250 }, heuristicFreshness: false, defaultStaleIfErrorMs: 0,
    });
    const l1 = await startProxyProcess({ ...proxyConfig(origin.port, cache(64 * 1024 * 1024)), workers: 1 }, "bench-token");
    proxies.push(l1);
    // Smaller than one record (body + headers + key), larger than the body: Redis holds it, memory cannot.
    const l2 = await startProxyProcess({ ...proxyConfig(origin.port, cache(SIZE + 200)), workers: 1 }, "bench-token");
    proxies.push(l2);
    if (PIN) for (const p of proxies) pinProcessTree(p.web, 0);

    await assertHit("nginx", nginxPort, "x-cache-status", /^HIT$/);
    await assertHit("edgeform (L1)", l1.web, "cache-status", /^edgeform; hit; ttl=\d+$/);
    await assertHit("edgeform (L2)", l2.web, "cache-status", /detail=l2/);

    console.log(`cache hits of a ${SIZE}-byte object; wrk -t1 -c${CONNECTIONS} -d${DURATION_S}s, best of ${ROUNDS} round(s)${PIN ? "; servers on CPU 0, wrk on CPU 1" : ""}`);
    const runs: Record<string, WrkResult[]> = { nginx: [], bare: [], edgeform: [] };
    for (let round = 0; round < ROUNDS; round++) {
      runs.nginx!.push(wrk(nginxPort, CONNECTIONS, DURATION_S));
      runs.bare!.push(wrk(barePort, CONNECTIONS, DURATION_S));
      runs.edgeform!.push(wrk(l1.web, CONNECTIONS, DURATION_S));
    }
    const nginx = best(runs.nginx!), bare = best(runs.bare!), edge = best(runs.edgeform!);
    console.log(`  nginx proxy_cache (1 worker)     ${fmt(nginx)}`);
    console.log(`  bare Node http from memory       ${fmt(bare)}`);
    console.log(`  edgeform proxy, L1 hits          ${fmt(edge)}`);
    console.log(`  ratio edgeform / nginx           ${(edge.rps / nginx.rps).toFixed(2)}x   (target >= 0.50x, aim 0.65x)`);
    console.log(`  ratio bare Node / nginx          ${(bare.rps / nginx.rps).toFixed(2)}x   (the ceiling for a Node server)`);

    const placements: Placement[] = PIN
      ? [
        { name: "redis-server on CPU 1 (the other CPU, as a Redis host elsewhere: each GET wakes another CPU)", cpu: 1 },
        { name: "redis-server on CPU 0 (the proxy's CPU: no cross-CPU wake-up per GET)", cpu: 0 },
      ]
      : [{ name: "redis-server unpinned" }];
    console.log(`\nhit latency through the proxy, one connection (wrk -t1 -c1 -d${DURATION_S}s), median of ${ROUNDS} round(s)${PIN ? "; proxies on CPU 0, wrk on CPU 1" : ""}`);
    const key = await recordKey(redis);
    const lat = placements.map(() => ({ rtt: [] as RttResult[], l1: [] as ReturnType<typeof wrkWithCpu>[], l2: [] as ReturnType<typeof wrkWithCpu>[] }));
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, placement] of placements.entries()) {
        if (placement.cpu !== undefined) pinProcessTree(redis.port, placement.cpu);
        lat[i]!.rtt.push(redisRtt(redis.port, key, DURATION_S));
        lat[i]!.l1.push(wrkWithCpu(l1.web, 1, DURATION_S));
        lat[i]!.l2.push(wrkWithCpu(l2.web, 1, DURATION_S));
      }
    }
    for (const [i, placement] of placements.entries()) {
      const { rtt, l1: l1runs, l2: l2runs } = lat[i]!;
      const rttP50 = median(rtt.map((r) => r.p50Ms)), rttAvg = median(rtt.map((r) => r.avgMs));
      const l1p50 = median(l1runs.map((r) => r.p50Ms)), l2p50 = median(l2runs.map((r) => r.p50Ms));
      const l1avg = median(l1runs.map((r) => r.avgMs)), l2avg = median(l2runs.map((r) => r.avgMs));
      const ratio = l2p50 / l1p50;
      console.log(`  ${placement.name}`);
      console.log(`    bare Redis GET round trip        p50 ${rttP50.toFixed(3)} ms   avg ${rttAvg.toFixed(3)} ms   (${rtt[0]!.bytes}-byte record, plain socket${PIN ? ", from CPU 0" : ""})`);
      console.log(`    L1 (memory) hit                  p50 ${l1p50.toFixed(3)} ms   avg ${l1avg.toFixed(3)} ms`);
      console.log(`    L2 (Redis) hit                   p50 ${l2p50.toFixed(3)} ms   avg ${l2avg.toFixed(3)} ms`);
      console.log(`    L2 p50 = L1 + GET + the rest     ${l2p50.toFixed(3)} = ${l1p50.toFixed(3)} + ${rttP50.toFixed(3)} + ${(l2p50 - l1p50 - rttP50).toFixed(3)} ms   (the rest: the proxy's own L2 work, Redis client included)`);
      console.log(`    ratio L2 / L1 latency            ${ratio.toFixed(2)}x p50, ${(l2avg / l1avg).toFixed(2)}x avg   (target <= 2x p50: ${ratio <= 2 ? "met" : "not met"})`);
      // Latency on a shared machine includes waiting for a CPU; the proxy's CPU time per hit does not.
      const l1cpu = median(l1runs.map((r) => r.cpuUsPerRequest)), l2cpu = median(l2runs.map((r) => r.cpuUsPerRequest));
      console.log(`    proxy CPU per hit                L1 ${l1cpu.toFixed(1)} µs, L2 ${l2cpu.toFixed(1)} µs: the proxy's own L2 work is ${(l2cpu - l1cpu).toFixed(1)} µs of CPU (Redis client and its syscalls included)`);
    }
    const errors = [...Object.values(runs).flat(), ...lat.flatMap((l) => [...l.l1, ...l.l2])].reduce((n, r) => n + r.errors, 0);
    if (errors > 0) console.log(`\nwarning: ${errors} non-2xx responses or socket errors during the runs`);
  } finally {
    await Promise.all(proxies.map((p) => p.stop()));
    for (const c of children) c.kill("SIGTERM");
    await redis.stop();
    await origin.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** The processes listening on `port`. */
function listeningPids(port: number): string[] {
  return execFileSync("sh", ["-c", `ss -ltnpH 'sport = :${port}' | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u`], { encoding: "utf8" }).split("\n").filter(Boolean);
}

/** CPU time (user + system, all threads) of the processes listening on `port`, in µs; NaN where /proc is unreadable. */
function cpuMicros(port: number): number {
  const tick = 1e6 / Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());
  let ticks = 0;
  try {
    for (const pid of listeningPids(port)) {
      for (const task of readdirSync(`/proc/${pid}/task`)) {
        const fields = readFileSync(`/proc/${pid}/task/${task}/stat`, "utf8").replace(/^.*\) /, "").split(" ");
        ticks += Number(fields[11]) + Number(fields[12]);
      }
    }
  } catch {
    return Number.NaN;
  }
  return ticks * tick;
}

/** wrk against the proxy on `port`, with the proxy's CPU time per request (µs). */
function wrkWithCpu(port: number, connections: number, seconds: number): WrkResult & { cpuUsPerRequest: number } {
  const before = cpuMicros(port);
  const result = wrk(port, connections, seconds);
  return { ...result, cpuUsPerRequest: (cpuMicros(port) - before) / result.requests };
}

/** Pins the process listening on `port` and its threads to one CPU. */
function pinProcessTree(port: number, cpu: number): void {
  try {
    for (const pid of listeningPids(port)) execFileSync("taskset", ["-a", "-p", "-c", String(cpu), pid], { stdio: "ignore" });
  } catch {
    // Pinning is best effort; unpinned numbers are still comparable run to run.
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
