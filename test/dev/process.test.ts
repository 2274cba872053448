import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, test } from "node:test";
import { restartDelayMs, SupervisedProcess, type ExitInfo, type ProcessSpec } from "../../src/dev/process.js";

/** Alive and not a zombie (Linux /proc). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

const started: SupervisedProcess[] = [];
after(async () => {
  await Promise.all(started.map((p) => p.stop(200)));
});

function supervise(command: ProcessSpec["command"], extra: Partial<ProcessSpec> = {}) {
  const lines: string[] = [];
  const exits: ExitInfo[] = [];
  const pids: number[] = [];
  const proc = new SupervisedProcess(
    { name: "t", command, cwd: process.cwd(), env: { ...process.env }, restart: false, terminate: "group", ...extra },
    { output: (_n, _s, line) => lines.push(line), started: (_n, pid) => pids.push(pid), exited: (_n, info) => exits.push(info) },
  );
  started.push(proc);
  proc.start();
  return { proc, lines, exits, pids };
}

async function until(cond: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 20));
  }
}

test("restart backoff doubles from 0.5s and stops growing at 15s", () => {
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 10].map(restartDelayMs), [500, 1000, 2000, 4000, 8000, 15000, 15000, 15000]);
});

test("output arrives line by line, and stop takes down what the command forked", async () => {
  const { proc, lines } = supervise("sleep 30 & echo child $!; echo second line; wait");
  await until(() => lines.length >= 2);
  assert.deepEqual(lines.slice(0, 2).map((l) => l.replace(/\d+/, "N")), ["child N", "second line"]);
  const grandchild = Number(lines[0]!.split(" ")[1]);
  const leader = proc.pid!;
  assert.ok(alive(grandchild) && alive(leader));
  await proc.stop(2_000);
  assert.equal(alive(leader), false, "the shell is gone");
  assert.equal(alive(grandchild), false, "the background sleep it started is gone too");
  assert.equal(proc.running, false);
});

test("a process that ignores SIGTERM is killed after the grace period", async () => {
  const { proc, lines } = supervise(`trap '' TERM; echo ready; while true; do sleep 0.1; done`);
  await until(() => lines.includes("ready"));
  const leader = proc.pid!;
  const t0 = Date.now();
  await proc.stop(300);
  assert.equal(alive(leader), false);
  const took = Date.now() - t0;
  assert.ok(took >= 250 && took < 4_000, `waited the grace period, then SIGKILL (took ${took}ms)`);
});

test("a crashed process is restarted with backoff; a stopped one is not", async () => {
  const { proc, lines, exits, pids } = supervise("echo up; exit 3", { restart: true });
  await until(() => pids.length >= 2, 5_000);
  assert.equal(exits[0]!.code, 3);
  assert.equal(exits[0]!.expected, false);
  assert.equal(exits[0]!.restartInMs, 500);
  await until(() => exits.length >= 2);
  assert.equal(exits[1]!.restartInMs, 1000, "the second crash in a row waits longer");
  assert.ok(lines.filter((l) => l === "up").length >= 2);
  await proc.stop(500);
  const count = pids.length;
  await new Promise((r) => setTimeout(r, 1_200));
  assert.equal(pids.length, count, "no restart after stop");
});

test("restart() replaces a healthy process; stop is expected, not a crash", async () => {
  const { proc, exits, pids } = supervise("echo up; sleep 30", { restart: true });
  await until(() => pids.length === 1);
  await proc.restart(1_000);
  await until(() => pids.length === 2);
  assert.notEqual(pids[0], pids[1]);
  assert.equal(exits.length, 1);
  assert.equal(exits[0]!.expected, true);
  assert.equal(exits[0]!.restartInMs, undefined);
  assert.equal(alive(pids[0]!), false);
  assert.equal(proc.pid, pids[1]);
  await proc.stop(1_000);
});

test("signal() reaches the leader only (used for SIGHUP reloads)", async () => {
  const { proc, lines } = supervise({ file: process.execPath, args: ["-e", "process.on('SIGHUP', () => console.log('hup')); console.log('ready'); setInterval(() => {}, 1000)"] }, { terminate: "leader" });
  await until(() => lines.includes("ready"));
  assert.equal(proc.signal("SIGHUP"), true);
  await until(() => lines.includes("hup"));
  await proc.stop(2_000);
  assert.equal(proc.signal("SIGHUP"), false, "nothing to signal once stopped");
});
