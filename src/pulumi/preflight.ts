/**
 * Checks before the real engine runs, so a missing tool or credential is one
 * clear sentence instead of a stack trace from deep inside the Automation API:
 * the pulumi CLI on PATH, a reachable Docker engine (docker targets), AWS
 * credentials (aws targets), and the passphrase a local state backend needs.
 */
import { accessSync, constants, existsSync, statSync } from "node:fs";
import { request } from "node:http";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";
import { EdgeformError } from "../errors.js";

export const PULUMI_INSTALL_HINT =
  "install the Pulumi CLI: `curl -fsSL https://get.pulumi.com | sh` (or `brew install pulumi/tap/pulumi`, see https://www.pulumi.com/docs/install/), " +
  "make sure `pulumi` is on PATH, then run this again; `edgeform preview` (without --live) needs no CLI";

/** Absolute path of the `pulumi` executable on PATH, or undefined. */
export function findPulumiCli(env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env["PATH"] ?? "").split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, process.platform === "win32" ? "pulumi.exe" : "pulumi");
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

export function requirePulumiCli(env: NodeJS.ProcessEnv): string {
  const cli = findPulumiCli(env);
  if (cli) return cli;
  const home = env["PULUMI_HOME"] ?? join(env["HOME"] ?? homedir(), ".pulumi");
  const installedOffPath = existsSync(join(home, "bin", "pulumi"));
  throw new EdgeformError("EF_PULUMI_CLI_MISSING", "the `pulumi` CLI is not installed (not found on PATH); `edgeform up`, `destroy` and `preview --live` drive the real Pulumi engine", {
    hint: installedOffPath ? `it is installed in ${join(home, "bin")}: add that directory to PATH` : PULUMI_INSTALL_HINT,
  });
}

/** Resolve when the Docker engine answers /_ping; fail with EF_PULUMI_CREDENTIALS otherwise. */
export async function requireDocker(env: NodeJS.ProcessEnv, timeoutMs = 3000, why = "this is a docker target"): Promise<void> {
  const host = env["DOCKER_HOST"] ?? "unix:///var/run/docker.sock";
  // TLS and SSH endpoints need the Docker client's own configuration; the engine will say if it is wrong.
  if (host.startsWith("ssh://") || env["DOCKER_TLS_VERIFY"]) return;
  const target = host.startsWith("unix://")
    ? { socketPath: host.slice("unix://".length) }
    : host.startsWith("tcp://")
      ? (() => { const u = new URL(host.replace(/^tcp:/, "http:")); return { host: u.hostname, port: Number(u.port || 2375) }; })()
      : undefined;
  const subject = why;
  const fail = (problem: string) =>
    new EdgeformError("EF_PULUMI_CREDENTIALS", `${subject}, but no Docker engine answers at ${host}: ${problem}`, {
      hint: "start Docker (`sudo systemctl start docker`, or `dockerd &`), or point DOCKER_HOST at a running engine, and check you may use its socket",
    });
  if (!target) throw fail("DOCKER_HOST is not a unix://, tcp:// or ssh:// address");
  await new Promise<void>((resolve, reject) => {
    const req = request({ ...target, path: "/_ping", method: "GET", timeout: timeoutMs }, (res) => {
      res.resume();
      if (res.statusCode === 200) resolve();
      else reject(fail(`/_ping answered ${res.statusCode}`));
    });
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", (e) => reject(fail((e as NodeJS.ErrnoException).code ?? e.message)));
    req.end();
  });
}

/** Where AWS SDKs find credentials without a network call; fail with EF_PULUMI_CREDENTIALS when none is set up. */
export function requireAwsCredentials(env: NodeJS.ProcessEnv): void {
  const home = env["HOME"] ?? homedir();
  const sources = [
    env["AWS_ACCESS_KEY_ID"] && env["AWS_SECRET_ACCESS_KEY"],
    env["AWS_PROFILE"],
    env["AWS_WEB_IDENTITY_TOKEN_FILE"],
    env["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] ?? env["AWS_CONTAINER_CREDENTIALS_FULL_URI"],
    existsSync(env["AWS_SHARED_CREDENTIALS_FILE"] ?? join(home, ".aws", "credentials")),
    existsSync(env["AWS_CONFIG_FILE"] ?? join(home, ".aws", "config")),
  ];
  if (sources.some(Boolean)) return;
  throw new EdgeformError("EF_PULUMI_CREDENTIALS", "this is an aws target, but no AWS credentials are configured (no AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, web identity, or ~/.aws/credentials)", {
    hint: "run `aws configure` or `aws sso login --profile <p>` and set AWS_PROFILE, or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; on EC2/ECS with an instance role, pass --no-credentials-check",
  });
}

/** A local (file://) backend encrypts stack secrets with a passphrase, which must be given. */
export function requirePassphrase(backendUrl: string, env: NodeJS.ProcessEnv): void {
  if (!backendUrl.startsWith("file://")) return;
  if (env["PULUMI_CONFIG_PASSPHRASE"] !== undefined || env["PULUMI_CONFIG_PASSPHRASE_FILE"] !== undefined) return;
  throw new EdgeformError("EF_PULUMI_CREDENTIALS", `the local state backend (${backendUrl}) encrypts the stack's secrets with a passphrase, and none is set`, {
    hint: "export PULUMI_CONFIG_PASSPHRASE=<passphrase> (or PULUMI_CONFIG_PASSPHRASE_FILE=<file>); keep it: it decrypts this stack's secrets later",
  });
}
