/**
 * The harness's translation of @pulumi/docker inputs into Engine API
 * requests, checked without Docker: which input lands in which API field,
 * the provider's defaults, and refusal of anything not translated.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { createRequire } from "node:module";
import { describe, test } from "node:test";
import { goDurationToNanoseconds } from "./durations.js";
import { UntranslatedInputError } from "./fields.js";
import { unwrapSecrets } from "./mocks.js";
import { CONTAINER_FIELDS, translateContainer, type TranslateOptions } from "./translate-container.js";
import {
  IMAGE_BUILD_FIELDS, IMAGE_FIELDS, NETWORK_FIELDS, REMOTE_IMAGE_FIELDS, VOLUME_FIELDS, translateImage, translateNetwork, translateRemoteImage,
  translateVolume,
} from "./translate-resources.js";

const dockerTypes = dirname(createRequire(import.meta.url).resolve("@pulumi/docker/package.json"));
const opts: TranslateOptions = { autoName: () => "auto-1234567", harnessLabels: { "dev.edgeform.e2e.run": "r1" } };

describe("durations (Go syntax, as the provider parses them)", () => {
  test("units and compound durations become nanoseconds", () => {
    assert.equal(goDurationToNanoseconds("500ms"), 500e6);
    assert.equal(goDurationToNanoseconds("5s"), 5e9);
    assert.equal(goDurationToNanoseconds("1m30s"), 90e9);
    assert.equal(goDurationToNanoseconds("1.5h"), 5400e9);
    assert.equal(goDurationToNanoseconds("0"), 0);
    assert.equal(goDurationToNanoseconds("250us"), 250e3);
  });
  test("anything else is refused", () => {
    for (const bad of ["5", "5 s", "s", "", "1d", "5sec"]) assert.throws(() => goDurationToNanoseconds(bad), /not a duration/, bad);
  });
});

describe("container translation", () => {
  const full = {
    image: "sha256:abc",
    name: "web-0",
    command: ["--config", "/etc/app.json"],
    entrypoints: ["node", "main.js"],
    envs: ["PORT=8080", "REPLICA=0"],
    workingDir: "/app",
    user: "1000",
    hostname: "web-0",
    labels: [{ label: "app", value: "web" }],
    ports: [{ internal: 8080, external: 18080, ip: "127.0.0.1" }, { internal: 9901 }],
    networksAdvanced: [{ name: "net-a", aliases: ["web"] }, { name: "net-b", aliases: ["web-b"], ipv4Address: "10.0.0.5" }],
    healthcheck: { tests: ["CMD", "node", "-e", "1"], interval: "2s", timeout: "1s", retries: 3, startPeriod: "500ms" },
    restart: "on-failure",
    maxRetryCount: 4,
    memory: 512,
    wait: true,
    waitTimeout: 30,
    stopSignal: "SIGTERM",
    destroyGraceSeconds: 5,
  };
  const plan = translateContainer(full, opts);

  test("config fields map onto the create request", () => {
    assert.equal(plan.name, "web-0");
    assert.equal(plan.create.name, "web-0");
    assert.equal(plan.create.Image, "sha256:abc");
    assert.deepEqual(plan.create.Cmd, ["--config", "/etc/app.json"]);
    assert.deepEqual(plan.create.Entrypoint, ["node", "main.js"]);
    assert.deepEqual(plan.create.Env, ["PORT=8080", "REPLICA=0"]);
    assert.equal(plan.create.WorkingDir, "/app");
    assert.equal(plan.create.User, "1000");
    assert.equal(plan.create.Hostname, "web-0");
    assert.equal(plan.create.StopSignal, "SIGTERM");
    assert.deepEqual(plan.create.Labels, { app: "web", "dev.edgeform.e2e.run": "r1" });
  });

  test("ports: exposed, bound to the given ip/port; no external port means an engine-chosen one on 0.0.0.0", () => {
    assert.deepEqual(plan.create.ExposedPorts, { "8080/tcp": {}, "9901/tcp": {} });
    assert.deepEqual(plan.create.HostConfig?.PortBindings, {
      "8080/tcp": [{ HostIp: "127.0.0.1", HostPort: "18080" }],
      "9901/tcp": [{ HostIp: "0.0.0.0", HostPort: "" }],
    });
  });

  test("networks: the first at create (never the default bridge), the rest connected before start, with aliases", () => {
    assert.equal(plan.create.HostConfig?.NetworkMode, "net-a");
    assert.deepEqual(plan.create.NetworkingConfig, { EndpointsConfig: { "net-a": { Aliases: ["web"] } } });
    assert.deepEqual(plan.connect, [{ network: "net-b", endpoint: { Aliases: ["web-b"], IPAMConfig: { IPv4Address: "10.0.0.5" } } }]);
  });

  test("health check durations become nanoseconds; restart policy and memory (MB) are applied", () => {
    assert.deepEqual(plan.create.Healthcheck, { Test: ["CMD", "node", "-e", "1"], Interval: 2e9, Timeout: 1e9, StartPeriod: 5e8, Retries: 3 });
    assert.deepEqual(plan.create.HostConfig?.RestartPolicy, { Name: "on-failure", MaximumRetryCount: 4 });
    assert.equal(plan.create.HostConfig?.Memory, 512 * 1024 * 1024);
  });

  test("lifecycle: start, must run, wait for healthy within waitTimeout seconds, stop grace on destroy", () => {
    assert.equal(plan.start, true);
    assert.equal(plan.mustRun, true);
    assert.equal(plan.waitHealthyMs, 30_000);
    assert.deepEqual(plan.destroy, { graceSeconds: 5, removeVolumes: true });
  });

  test("provider defaults: restart \"no\", auto-name, no wait, started", () => {
    const p = translateContainer({ image: "x" }, opts);
    assert.equal(p.name, "auto-1234567");
    assert.deepEqual(p.create.HostConfig?.RestartPolicy, { Name: "no", MaximumRetryCount: 0 });
    assert.equal(p.waitHealthyMs, undefined);
    assert.equal(p.start, true);
    assert.equal(p.create.Healthcheck, undefined);
  });

  test("uploads: content, base64 and source; permissions beat executable; numeric owners", () => {
    const p = translateContainer(
      {
        image: "x",
        uploads: [
          { file: "/etc/a.json", content: "{}" },
          { file: "/bin/run", contentBase64: Buffer.from("#!x").toString("base64"), executable: true },
          { file: "/etc/c", source: "/host/c", permissions: "0600", executable: true, owner: "65534", group: "65534" },
        ],
      },
      { ...opts, readFile: (path) => Buffer.from(`read ${path}`) },
    );
    assert.deepEqual(p.uploads.map((u) => [u.path, u.content.toString(), u.mode.toString(8), u.uid, u.gid]), [
      ["/etc/a.json", "{}", "644", 0, 0],
      ["/bin/run", "#!x", "744", 0, 0],
      ["/etc/c", "read /host/c", "600", 65534, 65534],
    ]);
  });

  test("uploads need exactly one content source, an absolute path and numeric owners", () => {
    assert.throws(() => translateContainer({ image: "x", uploads: [{ file: "/a" }] }, opts), /exactly one of content/);
    assert.throws(() => translateContainer({ image: "x", uploads: [{ file: "/a", content: "1", contentBase64: "MQ==" }] }, opts), /exactly one/);
    assert.throws(() => translateContainer({ image: "x", uploads: [{ file: "a", content: "1" }] }, opts), /absolute path/);
    assert.throws(() => translateContainer({ image: "x", uploads: [{ file: "/a", content: "1", owner: "www-data" }] }, opts), /numeric ids/);
  });

  test("mounts and volumes", () => {
    const p = translateContainer(
      {
        image: "x",
        mounts: [{ type: "volume", target: "/data", source: "vol1", volumeOptions: { noCopy: true } }, { type: "tmpfs", target: "/run", tmpfsOptions: { sizeBytes: 1024 } }],
        volumes: [{ containerPath: "/cfg", hostPath: "/srv/cfg", readOnly: true }, { containerPath: "/v", volumeName: "named" }, { containerPath: "/anon" }, { fromContainer: "other" }],
      },
      opts,
    );
    assert.deepEqual(p.create.HostConfig?.Mounts, [
      { Target: "/data", Source: "vol1", Type: "volume", VolumeOptions: { NoCopy: true } },
      { Target: "/run", Source: "", Type: "tmpfs", TmpfsOptions: { SizeBytes: 1024 } },
    ]);
    assert.deepEqual(p.create.HostConfig?.Binds, ["/srv/cfg:/cfg:ro", "named:/v"]);
    assert.deepEqual(p.create.HostConfig?.VolumesFrom, ["other"]);
    assert.deepEqual(p.create.Volumes, { "/anon": {} });
  });

  test("every input outside the allow-list is refused, at top level and nested", () => {
    assert.throws(() => translateContainer({ image: "x", privileged: true }, opts), (e: unknown) => e instanceof UntranslatedInputError && /"privileged"/.test((e as Error).message));
    assert.throws(() => translateContainer({ image: "x", ports: [{ internal: 1, hostIp: "1.2.3.4" }] }, opts), /"hostIp"/);
    assert.throws(() => translateContainer({ image: "x", healthcheck: { tests: ["CMD", "true"], startInterval: "1s" } }, opts), /"startInterval"/);
    assert.throws(() => translateContainer({ image: "x", networksAdvanced: [{ name: "n", macAddress: "02:42:ac:11:00:02" }] }, opts), /"macAddress"/);
    assert.throws(() => translateContainer({ image: "x", uploads: [{ file: "/a", content: "1", mode: "0644" }] }, opts), /"mode"/);
    assert.throws(() => translateContainer({ image: "x", labels: [{ label: "a", value: "b", extra: 1 }] }, opts), /"extra"/);
  });

  test("invalid values are refused rather than guessed", () => {
    assert.throws(() => translateContainer({ image: "x", restart: "sometimes" }, opts), /restart must be one of/);
    assert.throws(() => translateContainer({ image: "x", maxRetryCount: 3 }, opts), /only applies to restart "on-failure"/);
    assert.throws(() => translateContainer({ image: "x", envs: ["NOEQUALS"] }, opts), /KEY=VALUE/);
    assert.throws(() => translateContainer({ image: "x", command: ["a", ""] }, opts), /command\[1\] is an empty string.*may not be empty/);
    assert.throws(() => translateContainer({ image: "x", healthcheck: { interval: "1s" } }, opts), /tests is required/);
    assert.throws(() => translateContainer({ image: "x", healthcheck: { tests: ["CMD", "true"], interval: "1 second" } }, opts), /not a duration/);
    assert.throws(() => translateContainer({}, opts), /image is required/);
  });
});

describe("network, volume and image translation", () => {
  test("network: name, driver default bridge, ipam, labels with the run label, duplicate check", () => {
    const req = translateNetwork(
      { name: "topo-net", internal: false, ipamConfigs: [{ subnet: "10.9.0.0/24", gateway: "10.9.0.1" }], labels: [{ label: "a", value: "b" }] },
      () => "auto",
      { run: "r1" },
    );
    assert.deepEqual(req, {
      Name: "topo-net",
      CheckDuplicate: true,
      Driver: "bridge",
      Internal: false,
      IPAM: { Driver: "default", Config: [{ Subnet: "10.9.0.0/24", Gateway: "10.9.0.1" }] },
      Labels: { a: "b", run: "r1" },
    });
    assert.equal(translateNetwork({}, () => "net-auto", {}).Name, "net-auto");
    assert.throws(() => translateNetwork({ name: "n", ingress: true }, () => "a", {}), /"ingress"/);
  });

  test("volume: driver local by default", () => {
    assert.deepEqual(translateVolume({ name: "v" }, () => "a", { run: "r1" }), { Name: "v", Driver: "local", DriverOpts: {}, Labels: { run: "r1" } });
    assert.throws(() => translateVolume({ cluster: {} }, () => "a", {}), /"cluster"/);
  });

  test("image: context and dockerfile resolve against the program directory; only skipPush builds", () => {
    const plan = translateImage({ imageName: "edge:dev", skipPush: true, build: { context: ".", dockerfile: "images/edge.Dockerfile", args: { BASE: "node22" }, target: "runtime" } }, "/repo");
    assert.deepEqual(plan, { imageName: "edge:dev", context: "/repo", dockerfile: "/repo/images/edge.Dockerfile", buildArgs: { BASE: "node22" }, target: "runtime" });
    assert.equal(translateImage({ imageName: "a", skipPush: true, build: { context: "app" } }, "/repo").dockerfile, "/repo/app/Dockerfile");
    assert.throws(() => translateImage({ imageName: "a", build: { context: "." } }, "/repo"), /skipPush: true/);
    assert.throws(() => translateImage({ imageName: "a", skipPush: true, registry: { server: "x" } }, "/repo"), /"registry"/);
    assert.throws(() => translateImage({ imageName: "a", skipPush: true, build: { cacheFrom: { images: [] } } }, "/repo"), /"cacheFrom"/);
  });

  test("remote image: resolved locally, kept or removed as keepLocally says", () => {
    assert.deepEqual(translateRemoteImage({ name: "redis:7", keepLocally: true }), { name: "redis:7", keepLocally: true, forceRemove: false });
    assert.throws(() => translateRemoteImage({ name: "redis:7", build: { context: "." } }), /"build"/);
  });
});

test("every allow-listed field is a real input of the provider's resource (read from @pulumi/docker's typings)", () => {
  const argsOf = (file: string, iface: string) => {
    const text = readFileSync(join(dockerTypes, file), "utf8");
    const body = text.slice(text.indexOf(`export interface ${iface} {`));
    return new Set([...body.slice(0, body.indexOf("\n}")).matchAll(/^ {4}(\w+)\??:/gm)].map((m) => m[1]));
  };
  const check = (fields: readonly string[], file: string, iface: string) =>
    assert.deepEqual(fields.filter((f) => !argsOf(file, iface).has(f)), [], `${iface} has every allow-listed field`);
  check(CONTAINER_FIELDS, "container.d.ts", "ContainerArgs");
  check(NETWORK_FIELDS, "network.d.ts", "NetworkArgs");
  check(VOLUME_FIELDS, "volume.d.ts", "VolumeArgs");
  check(IMAGE_FIELDS, "image.d.ts", "ImageArgs");
  check(IMAGE_BUILD_FIELDS, "types/input.d.ts", "DockerBuild");
  check(REMOTE_IMAGE_FIELDS, "remoteImage.d.ts", "RemoteImageArgs");
});

test("secret inputs are unwrapped to their values for the engine", () => {
  const secret = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value: "s3cret" };
  assert.deepEqual(unwrapSecrets({ envs: ["A=1", secret], nested: { p: secret } }), { envs: ["A=1", "s3cret"], nested: { p: "s3cret" } });
});
