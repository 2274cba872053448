/**
 * A Docker engine for tests: use the one already running, or start `dockerd`
 * ourselves when this machine can run it (binary present, running as root).
 * A machine that should be able to run Docker but cannot is a failure, never
 * a skip: `ensureDocker` throws with the daemon's log tail so the reason shows.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import Docker from "dockerode";
import { findOnPath } from "../../src/dev/executables.js";

export interface DockerEngine {
  docker: Docker;
  /** Engine version as reported by `docker info` (e.g. "20.10.24"). */
  serverVersion: string;
  /** True when this process started dockerd (and so stops it in `release`). */
  startedHere: boolean;
  /** Log file of the dockerd this process started. */
  logFile?: string;
  /** Stops dockerd if this process started it (unless keepRunning). Idempotent. */
  release(options?: { keepRunning?: boolean }): Promise<void>;
}

export interface EnsureDockerOptions {
  /** How long to wait for a freshly started dockerd to answer `docker info`. */
  startTimeoutMs?: number;
  socketPath?: string;
  /** The daemon binary; default: `dockerd` on PATH or in the sbin directories. Null: there is none. */
  dockerd?: string | null;
  /** Whether this process may start dockerd; default: running as root. */
  isRoot?: boolean;
}

const DEFAULT_SOCKET = "/var/run/docker.sock";

export async function ensureDocker(options: EnsureDockerOptions = {}): Promise<DockerEngine> {
  const socketPath = options.socketPath ?? DEFAULT_SOCKET;
  const docker = new Docker({ socketPath });
  const running = await engineInfo(docker);
  if (running) return { docker, serverVersion: running.ServerVersion, startedHere: false, release: async () => {} };

  const dockerd = options.dockerd === undefined ? findExecutable("dockerd", ["/usr/sbin", "/usr/bin", "/usr/local/bin"]) : options.dockerd ?? undefined;
  if (!dockerd) {
    throw new Error(
      "Docker is not running and there is no dockerd binary to start: install the Debian package docker.io " +
        "(apt-get install -y docker.io, as root) or start a Docker engine, then run the tests again",
    );
  }
  if (!(options.isRoot ?? process.getuid?.() === 0)) {
    throw new Error(`Docker is not running and dockerd (${dockerd}) can only be started as root: start the Docker service, or run the tests as root`);
  }
  return startDockerd(docker, dockerd, socketPath, options.startTimeoutMs ?? 60_000);
}

async function startDockerd(docker: Docker, dockerd: string, socketPath: string, timeoutMs: number): Promise<DockerEngine> {
  const logFile = join(tmpdir(), `edgeform-dockerd-${process.pid}.log`);
  const fd = openSync(logFile, "a");
  let child: ChildProcess;
  try {
    // Detached in its own process group so a Ctrl-C aimed at the test runner
    // does not kill the daemon before the harness has removed its containers.
    child = spawn(dockerd, ["--host", `unix://${socketPath}`], { detached: true, stdio: ["ignore", fd, fd] });
  } finally {
    closeSync(fd);
  }
  child.unref();
  let exited: { code: number | null; signal: string | null } | undefined;
  const exitPromise = new Promise<void>((resolve) => {
    child.once("exit", (code, signal) => {
      exited = { code, signal };
      resolve();
    });
    child.once("error", (err) => {
      exited = { code: null, signal: String(err) };
      resolve();
    });
  });

  const deadline = Date.now() + timeoutMs;
  let info: Awaited<ReturnType<typeof engineInfo>>;
  while (!(info = await engineInfo(docker))) {
    if (exited) throw new Error(`dockerd exited (${exited.code ?? exited.signal}) before it answered:\n${tail(logFile)}`);
    if (Date.now() > deadline) {
      child.kill("SIGTERM");
      throw new Error(`dockerd did not answer \`docker info\` within ${timeoutMs} ms:\n${tail(logFile)}`);
    }
    await sleep(250);
  }

  let released = false;
  return {
    docker,
    serverVersion: info.ServerVersion,
    startedHere: true,
    logFile,
    async release(opts = {}) {
      if (released || opts.keepRunning || exited) return;
      released = true;
      child.kill("SIGTERM");
      // A referenced timer: the test process must stay alive until dockerd is gone.
      let timer: NodeJS.Timeout | undefined;
      const stopped = await Promise.race([
        exitPromise.then(() => true),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), 20_000))),
      ]);
      clearTimeout(timer);
      if (!stopped) child.kill("SIGKILL");
      // A daemon that started and stopped cleanly leaves no log behind; a failed start reports its tail instead.
      else rmSync(logFile, { force: true });
    },
  };
}

/** `docker info`, or undefined when no engine answers within a few seconds. */
async function engineInfo(docker: Docker): Promise<{ ServerVersion: string } | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), 3000)));
    const info = (await Promise.race([docker.info(), timeout])) as { ServerVersion: string } | undefined;
    return info && typeof info.ServerVersion === "string" ? info : undefined;
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

export function findExecutable(name: string, extraDirs: string[] = []): string | undefined {
  return findOnPath(name, [process.env["PATH"] ?? "", ...extraDirs].join(delimiter));
}

function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no dockerd log)";
  }
}

/** A referenced timer: while waiting for dockerd nothing else may keep the process alive. */
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
