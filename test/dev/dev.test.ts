/**
 * The README's first command, end to end: `edgeform dev` on the quickstart
 * runs three demo-origin replicas behind the real edge proxy; every replica
 * serves, the cache hits, a replica added to the spec joins while it runs,
 * and SIGTERM leaves no process behind.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { test } from "node:test";
import { allocatePorts } from "../../src/dev/ports.js";

const repo = new URL("../../../", import.meta.url).pathname;
type Event = Record<string, unknown> & { event: string };

/** Pids of live (non-zombie) processes whose environment carries the marker. */
function processesWithMarker(marker: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (!readFileSync(`/proc/${entry}/environ`, "latin1").includes(marker)) continue;
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      if (stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z") found.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

/** Live (non-zombie) processes that are, or belong to the process group of, one of these pids. */
function liveInGroups(pids: readonly number[]): number[] {
  const wanted = new Set(pids);
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (state !== "Z" && (wanted.has(Number(entry)) || wanted.has(Number(pgrp)))) found.push(Number(entry));
    } catch {
      // gone
    }
  }
  return found;
}

class DevProcess {
  readonly events: Event[] = [];
  readonly stderr: string[] = [];
  private readonly waiters = new Set<() => void>();
  readonly child: ChildProcess;
  readonly exit: Promise<number | null>;

  constructor(args: string[], env: NodeJS.ProcessEnv) {
    this.child = spawn(process.execPath, [join(repo, "bin/edgeform.js"), "dev", ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
    this.exit = new Promise((resolve) => this.child.once("exit", (code) => resolve(code)));
    createInterface({ input: this.child.stdout! }).on("line", (line) => {
      try {
        this.events.push(JSON.parse(line) as Event);
      } catch {
        this.stderr.push(`(stdout, not JSON) ${line}`);
      }
      this.waiters.forEach((w) => w());
    });
    createInterface({ input: this.child.stderr! }).on("line", (line) => this.stderr.push(line));
  }

  /** The first event matching, waiting at most timeoutMs. */
  async next(match: (e: Event) => boolean, timeoutMs: number, what: string): Promise<Event> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find(match);
      if (found) return found;
      if (Date.now() > deadline || this.child.exitCode !== null) {
        throw new Error(`no ${what} event within ${timeoutMs}ms; events: ${this.events.map((e) => e.event + (e.event === "log" ? `(${e["source"]}: ${e["line"]})` : e.event === "error" ? `(${e["message"]})` : "")).join(", ")}\nstderr: ${this.stderr.join("\n")}`);
      }
      await new Promise<void>((resolve) => {
        const w = () => {
          this.waiters.delete(w);
          resolve();
        };
        this.waiters.add(w);
        setTimeout(w, 200);
      });
    }
  }
}

async function servedBy(url: string): Promise<{ by: string | null; cacheStatus: string | null; status: number }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  await res.arrayBuffer();
  return { by: res.headers.get("x-served-by"), cacheStatus: res.headers.get("cache-status"), status: res.status };
}

test("edgeform dev runs the quickstart: replicas serve, the cache hits, an added replica joins, SIGTERM leaves nothing running", { timeout: 180_000 }, async () => {
  const proxyEntry = join(repo, "dist/src/proxy/main.js");
  assert.ok(existsSync(proxyEntry), `the edge proxy must be built (${proxyEntry}); run npm run build`);
  const dir = mkdtempSync(join(tmpdir(), "edgeform-dev-it-"));
  const spec = join(dir, "quickstart.yaml");
  writeFileSync(spec, readFileSync(join(repo, "examples/quickstart.yaml"), "utf8"));
  const [port] = await allocatePorts(1);
  const marker = `EDGEFORM_TEST_MARKER=${randomBytes(8).toString("hex")}`;
  const [key, value] = marker.split("=") as [string, string];
  const dev = new DevProcess([spec, "--port", String(port), "--no-tty", "--format", "json"], { ...process.env, [key]: value });
  const edge = `http://127.0.0.1:${port}`;
  try {
    const ready = await dev.next((e) => e.event === "ready", 90_000, "ready");
    assert.deepEqual((ready["listeners"] as Array<{ url: string }>).map((l) => l.url), [edge]);
    assert.equal((ready["replicas"] as unknown[]).length, 3);

    // Round-robin on the /static/ route; uncacheable URLs reach the replicas every time.
    const seen = new Set<string>();
    for (let i = 0; i < 60 && seen.size < 3; i++) {
      const r = await servedBy(`${edge}/static/page-${i}`);
      assert.equal(r.status, 200);
      if (r.by) seen.add(r.by);
    }
    assert.deepEqual([...seen].sort(), ["web-0", "web-1", "web-2"], "every replica serves");

    const cached = `${edge}/static/logo.png?cache=60`;
    const first = await servedBy(cached);
    assert.equal(first.status, 200);
    let hit: Awaited<ReturnType<typeof servedBy>> | undefined;
    for (let i = 0; i < 10 && !hit; i++) {
      const r = await servedBy(cached);
      if (/(^|;)\s*hit\b/.test(r.cacheStatus ?? "")) hit = r;
    }
    assert.ok(hit, `a repeated cacheable request is a cache hit (Cache-Status of the first: ${first.cacheStatus})`);
    assert.equal(hit.by, first.by, "the hit is the stored response of the replica that served it");

    // The banner's commands work as printed: each example request answers, the purge is authorised.
    const examples = ready["examples"] as string[];
    assert.ok(examples.length > 0, "the banner suggests requests");
    for (const example of examples) assert.equal((await servedBy(/'(http:[^']+)'/.exec(example)![1]!)).status, 200, example);
    const purge = /-H '(Authorization: Bearer [^']+)' -H '([^']+)' -d '([^']+)' (\S+)$/.exec(ready["purge"] as string);
    assert.ok(purge, `a ready purge command: ${ready["purge"]}`);
    const [, authorization, contentType, body, url] = purge;
    const header = (h: string) => h.split(": ") as [string, string];
    const purged = await fetch(url!, { method: "POST", headers: [header(authorization!), header(contentType!)], body });
    assert.equal(purged.status, 200, await purged.text());

    // The spec changes while dev runs: the 4th replica starts and the proxy picks it up.
    writeFileSync(spec, readFileSync(spec, "utf8").replace("replicas: 3", "replicas: 4"));
    const reloaded = await dev.next((e) => e.event === "reloaded", 60_000, "reloaded");
    assert.deepEqual(reloaded["started"], ["web-3"]);
    assert.deepEqual(reloaded["stopped"], []);
    let joined = false;
    for (let i = 0; i < 100 && !joined; i++) {
      const r = await servedBy(`${edge}/static/after-${i}`);
      joined = r.by === "web-3";
      if (!joined && i % 8 === 7) await new Promise((res) => setTimeout(res, 250));
    }
    assert.ok(joined, "the added replica serves through the edge");

    // An invalid edit is reported and changes nothing.
    writeFileSync(spec, readFileSync(spec, "utf8").replace("replicas: 4", "replicas: four"));
    const invalid = await dev.next((e) => e.event === "spec-invalid", 60_000, "spec-invalid");
    assert.equal(invalid["kept"], true);
    assert.match(JSON.stringify(invalid["diagnostics"]), /EF_SPEC_SCHEMA_TYPE/);
    assert.equal((await servedBy(`${edge}/static/still-serving`)).status, 200, "the running topology is kept");

    const started = dev.events.filter((e) => e.event === "process-started");
    const leaders = started.map((e) => e["pid"] as number);
    assert.ok(started.filter((e) => e["role"] === "replica").length >= 4 && started.some((e) => e["role"] === "proxy"), "four replicas and the proxy were started");
    // redis-server overwrites its environment block with its process title, so only Node children are checked for the marker.
    const marked = processesWithMarker(value);
    const running = liveInGroups(leaders);
    for (const e of started.filter((e) => (e["role"] === "replica" || e["role"] === "proxy") && running.includes(e["pid"] as number))) {
      assert.ok(marked.includes(e["pid"] as number), `${e["name"]} (pid ${e["pid"]}) carries the marker`);
    }

    dev.child.kill("SIGTERM");
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([dev.exit, new Promise((r) => (timer = setTimeout(() => r("timeout"), 30_000)))]);
    clearTimeout(timer);
    assert.equal(code, 0, `dev exits 0 after SIGTERM; stderr: ${dev.stderr.join("\n")}`);
    assert.ok(dev.events.some((e) => e.event === "stopped"));
    // dev's reaper (a safety net for a SIGKILLed dev) reads "done" and exits right after dev.
    for (let i = 0; i < 20 && processesWithMarker(value).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(processesWithMarker(value), [], "no process edgeform dev started is left");
    assert.deepEqual(liveInGroups(leaders), [], "nothing is left in the process groups of what dev started (redis, prometheus included)");
  } finally {
    if (dev.child.exitCode === null) dev.child.kill("SIGKILL");
    // Should the test fail midway, leave nothing behind.
    const groups = dev.events.filter((e) => e.event === "process-started").map((e) => e["pid"] as number);
    for (const pid of [...processesWithMarker(value), ...liveInGroups(groups)]) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }
});

test("if edgeform dev is SIGKILLed, its reaper stops everything it started and removes its state", { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "edgeform-dev-kill-"));
  const spec = join(dir, "quickstart.yaml");
  writeFileSync(spec, readFileSync(join(repo, "examples/quickstart.yaml"), "utf8"));
  const [port] = await allocatePorts(1);
  const marker = randomBytes(8).toString("hex");
  const dev = new DevProcess([spec, "--port", String(port), "--no-watch", "--format", "json"], { ...process.env, EDGEFORM_TEST_MARKER: marker });
  try {
    await dev.next((e) => e.event === "ready", 90_000, "ready");
    const stateDir = dev.events.find((e) => e.event === "starting")!["stateDir"] as string;
    const groups = dev.events.filter((e) => e.event === "process-started").map((e) => e["pid"] as number);
    assert.ok(liveInGroups(groups).length >= groups.length, "everything runs");
    assert.ok(existsSync(stateDir));

    dev.child.kill("SIGKILL");
    await dev.exit;
    const deadline = Date.now() + 20_000;
    while ((liveInGroups(groups).length > 0 || processesWithMarker(marker).length > 0 || existsSync(stateDir)) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.deepEqual(liveInGroups(groups), [], "every process group dev started is gone");
    assert.deepEqual(processesWithMarker(marker), []);
    assert.equal(existsSync(stateDir), false, "the state directory is removed");
  } finally {
    if (dev.child.exitCode === null) dev.child.kill("SIGKILL");
    const groups = dev.events.filter((e) => e.event === "process-started").map((e) => e["pid"] as number);
    for (const pid of [...processesWithMarker(marker), ...liveInGroups(groups)]) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }
});
