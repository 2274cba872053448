/**
 * The checks `edgeform up | destroy | preview --live` run before the engine:
 * each missing piece is named in one sentence with its fix.
 */
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { defaultBackend } from "../../src/pulumi/live.js";
import { findPulumiCli, requireAwsCredentials, requireDocker, requirePassphrase, requirePulumiCli } from "../../src/pulumi/preflight.js";

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), "edgeform-preflight-"));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const code = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
};

describe("the pulumi CLI", () => {
  test("found on PATH only when executable", () => {
    const bin = join(dir, "bin");
    mkdirSync(bin);
    writeFileSync(join(bin, "pulumi"), "#!/bin/sh\n", { mode: 0o644 });
    assert.equal(findPulumiCli({ PATH: bin }), undefined, "not executable");
    chmodSync(join(bin, "pulumi"), 0o755);
    assert.equal(findPulumiCli({ PATH: `/nonexistent:${bin}` }), join(bin, "pulumi"));
  });
  test("missing: EF_PULUMI_CLI_MISSING, pointing at ~/.pulumi/bin when it is installed there", () => {
    assert.equal(code(() => requirePulumiCli({ PATH: "/nonexistent", HOME: join(dir, "nohome") })), "EF_PULUMI_CLI_MISSING");
    const home = join(dir, "home");
    mkdirSync(join(home, ".pulumi", "bin"), { recursive: true });
    writeFileSync(join(home, ".pulumi", "bin", "pulumi"), "");
    assert.throws(() => requirePulumiCli({ PATH: "/nonexistent", HOME: home }), (e: Error & { hint?: string }) => /add that directory to PATH/.test(e.hint ?? ""));
  });
});

describe("Docker", () => {
  let server: Server;
  let socket: string;
  let status = 200;
  before(async () => {
    socket = join(dir, "docker.sock");
    server = createServer((req, res) => {
      res.statusCode = req.url === "/_ping" ? status : 404;
      res.end("OK");
    });
    await new Promise<void>((resolve) => server.listen(socket, resolve));
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test("an engine that answers /_ping passes", async () => {
    status = 200;
    await requireDocker({ DOCKER_HOST: `unix://${socket}` });
  });
  test("no engine, or one that fails /_ping: EF_PULUMI_CREDENTIALS naming the address", async () => {
    await assert.rejects(requireDocker({ DOCKER_HOST: `unix://${join(dir, "none.sock")}` }), (e: Error & { code: string }) => e.code === "EF_PULUMI_CREDENTIALS" && e.message.includes("none.sock"));
    status = 500;
    await assert.rejects(requireDocker({ DOCKER_HOST: `unix://${socket}` }), /answered 500/);
  });
});

describe("AWS credentials", () => {
  test("any usual source is enough", () => {
    const empty = join(dir, "empty-home");
    mkdirSync(empty, { recursive: true });
    assert.equal(code(() => requireAwsCredentials({ HOME: empty })), "EF_PULUMI_CREDENTIALS");
    assert.equal(code(() => requireAwsCredentials({ HOME: empty, AWS_ACCESS_KEY_ID: "a" })), "EF_PULUMI_CREDENTIALS", "a key id alone is not enough");
    assert.equal(code(() => requireAwsCredentials({ HOME: empty, AWS_ACCESS_KEY_ID: "a", AWS_SECRET_ACCESS_KEY: "b" })), undefined);
    assert.equal(code(() => requireAwsCredentials({ HOME: empty, AWS_PROFILE: "dev" })), undefined);
    const withFile = join(dir, "aws-home");
    mkdirSync(join(withFile, ".aws"), { recursive: true });
    writeFileSync(join(withFile, ".aws", "credentials"), "[default]\n");
    assert.equal(code(() => requireAwsCredentials({ HOME: withFile })), undefined);
  });
});

describe("state backend", () => {
  test("local by default, PULUMI_BACKEND_URL overrides", () => {
    assert.equal(defaultBackend("/srv/app", {}), "file:///srv/app/.edgeform/state");
    assert.equal(defaultBackend("/srv/app", { PULUMI_BACKEND_URL: "s3://bucket/state" }), "s3://bucket/state");
  });
  test("a local backend needs a passphrase for the stack's secrets", () => {
    assert.equal(code(() => requirePassphrase("file:///x", {})), "EF_PULUMI_CREDENTIALS");
    assert.equal(code(() => requirePassphrase("file:///x", { PULUMI_CONFIG_PASSPHRASE: "" })), undefined);
    assert.equal(code(() => requirePassphrase("s3://bucket", {})), undefined);
  });
});
