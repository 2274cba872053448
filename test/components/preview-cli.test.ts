/**
 * `edgeform preview` end to end, as users run it: a plain node process, no
 * engine, no cloud, no Docker. Every example spec and every docker/aws target
 * it defines must preview, and a snapshot of each resource graph (count and
 * sorted type/name list) makes any change to it visible in review. Refresh
 * the snapshots with EDGEFORM_UPDATE_SNAPSHOTS=1.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { createServer } from "node:http";
import { after, before, describe, test } from "node:test";
import { loadSpec } from "../../src/spec/load-spec.js";
import { edgeform, root, type Run } from "./support/cli.js";

const snapshotDir = join(root, "test", "components", "__snapshots__");
const updateSnapshots = process.env["EDGEFORM_UPDATE_SNAPSHOTS"] === "1";

/** Every example (and the component fixture) with each docker/aws target it defines. */
const specs = [
  ...readdirSync(join(root, "examples")).filter((f) => /\.(ya?ml|json)$/.test(f)).sort().map((f) => join("examples", f)),
  // The component fixture exercises what the examples may not (TCP listener, secrets, CDN).
  join("test", "components", "fixtures", "shop.yaml"),
];
const cases = specs.flatMap((spec) => {
  const targets = loadSpec(join(root, spec)).targets ?? {};
  return Object.entries(targets).filter(([, t]) => t.provider === "docker" || t.provider === "aws").map(([target]) => ({ spec, target }));
});

const previews = new Map<string, Run>();
before(async () => {
  const queue = [...cases];
  const worker = async () => {
    for (let c = queue.shift(); c; c = queue.shift()) previews.set(`${c.spec}#${c.target}`, await edgeform(["preview", c.spec, "--target", c.target, "--format", "json"]));
  };
  await Promise.all([worker(), worker()]);
});

test("there are example specs with Pulumi targets to preview", () => {
  assert.ok(cases.some((c) => c.spec === join("examples", "quickstart.yaml")));
  assert.ok(cases.length >= 3);
});

describe("edgeform preview --format json, every example and target", () => {
  for (const { spec, target } of cases) {
    test(`${spec} --target ${target}`, () => {
      const run = previews.get(`${spec}#${target}`)!;
      assert.equal(run.code, 0, run.stderr);
      const report = JSON.parse(run.stdout) as {
        target: string;
        dryRun: boolean;
        resources: Array<{ type: string; name: string; parent?: string; custom: boolean }>;
        summary: { total: number; custom: number; components: number };
      };
      assert.equal(report.target, target);
      assert.equal(report.dryRun, true);
      assert.equal(report.summary.total, report.resources.length);
      assert.equal(report.summary.components, report.resources.filter((r) => !r.custom).length);
      assert.ok(report.resources.some((r) => r.type === "edgeform:components:EdgeProxy"));
      const keys = new Set(report.resources.map((r) => `${r.type}::${r.name}`));
      for (const r of report.resources) if (r.parent) assert.ok(keys.has(r.parent), `${r.name}'s parent ${r.parent} is listed`);
      assert.equal(report.resources.filter((r) => !r.parent).length, 1, "one root: the CdnTopology");

      const snapshot = { spec: spec.replace(/\\/g, "/"), target, count: report.resources.length, resources: report.resources.map((r) => `${r.type} ${r.name}`).sort() };
      const file = join(snapshotDir, `${basename(spec).replace(/\.(ya?ml|json)$/, "")}.${target}.json`);
      if (updateSnapshots) {
        mkdirSync(snapshotDir, { recursive: true });
        writeFileSync(file, JSON.stringify(snapshot, null, 2) + "\n");
        return;
      }
      assert.ok(existsSync(file), `no snapshot ${file}: run the tests with EDGEFORM_UPDATE_SNAPSHOTS=1 and review the new file`);
      const pinned = JSON.parse(readFileSync(file, "utf8")) as typeof snapshot;
      assert.deepEqual(snapshot, pinned, `the resource graph of ${spec} → ${target} changed; if that is intended, rerun with EDGEFORM_UPDATE_SNAPSHOTS=1 and review the diff`);
    });
  }

  test("aws-production --target prod: the CloudFront origin reads https-only although its header is secret, and no secret stand-in shows", () => {
    const run = previews.get(`${join("examples", "aws-production.yaml")}#prod`)!;
    assert.doesNotMatch(run.stdout, /preview-placeholder-secret|mock-password-/, "placeholders and generated stand-ins are masked everywhere");
    const report = JSON.parse(run.stdout) as { resources: Array<{ type: string; inputs: Record<string, any> }> };
    const cdn = report.resources.find((r) => r.type === "aws:cloudfront/distribution:Distribution")!;
    const origin = cdn.inputs["origins"][0];
    assert.equal(origin.customOriginConfig.originProtocolPolicy, "https-only");
    assert.deepEqual(origin.customHeaders.map((h: { value: string }) => h.value), ["[secret]"]);
  });

  test("no snapshot is left over from a spec or target that no longer exists", () => {
    const expected = new Set(cases.map((c) => `${basename(c.spec).replace(/\.(ya?ml|json)$/, "")}.${c.target}.json`));
    const stale = readdirSync(snapshotDir).filter((f) => f.endsWith(".json") && !expected.has(f));
    if (updateSnapshots) for (const f of stale) rmSync(join(snapshotDir, f));
    else assert.deepEqual(stale, []);
  });
});

describe("edgeform preview, text and errors", () => {
  test("text: resources grouped by component, secrets hidden, with a summary count", async () => {
    const run = await edgeform(["preview", "test/components/fixtures/shop.yaml", "--target", "local"]);
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.split("\n");
    assert.match(lines[0]!, /^shop → target local \(docker\), offline preview/);
    assert.ok(lines.includes("+ edgeform:components:CdnTopology  shop"));
    const fleet = lines.findIndex((l) => l === "  + edgeform:components:BackendFleet  shop-fleet-api");
    assert.ok(fleet > 0, "components nested under the topology");
    assert.match(lines[fleet + 1]!, /^ {4}\+ docker:index\/container:Container {2}shop-fleet-api-0 {2}name=shop-api-0/);
    assert.ok(!run.stdout.includes("s3cr3t"));
    assert.match(run.stdout, /\nResources: 28 to create \(21 resources in 7 components\)$/m);
    assert.match(run.stdout, /grafanaUrl: http:\/\/localhost:3000/);
  });

  test("a spec with errors: exit 1 with the validator's diagnostics", async () => {
    const run = await edgeform(["preview", "test/components/fixtures/invalid.yaml", "--target", "local"]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /EF_SPEC_UNKNOWN_FLEET/);
    assert.match(run.stderr, /invalid\.yaml:9:\d+ EF_SPEC_UNKNOWN_FLEET: fleet "wbe" is not defined \(did you mean "web"\?\)/);
    assert.equal(run.stdout, "");
  });

  test("what a component would refuse at deploy time is refused by validation first, with file:line:col", async () => {
    const run = await edgeform(["preview", "test/components/fixtures/reserved-fleet.yaml", "--target", "local"]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /reserved-fleet\.yaml:6:3 EF_SPEC_RESERVED_NAME: fleet name "edgeform-edge" is reserved/);
    assert.doesNotMatch(run.stderr, /\bat \S+ \(|node:internal/, "no stack trace");
  });

  test("an unknown target, and the dev target, are refused", async () => {
    const unknown = await edgeform(["preview", "examples/quickstart.yaml", "--target", "nope"]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /EF_SPEC_UNKNOWN_TARGET/);
    const dev = await edgeform(["preview", "examples/quickstart.yaml", "--target", "dev"]);
    assert.notEqual(dev.code, 0);
    assert.match(dev.stderr, /edgeform(\.js)? dev/, "names the command that runs the dev target, as this user starts edgeform");
  });
});

describe("edgeform preview of the AWS production example shows a production-safe graph", () => {
  type Resource = { type: string; name: string; inputs: Record<string, any> };
  const resources = (target: string) => (JSON.parse(previews.get(`${join("examples", "aws-production.yaml")}#${target}`)!.stdout) as { resources: Resource[] }).resources;
  const ofType = (rs: Resource[], suffix: string) => rs.filter((r) => r.type.endsWith(suffix));

  test("target groups check /healthz; ECS services wait for steady state", () => {
    for (const target of ["prod", "staging"]) {
      const rs = resources(target);
      const groups = ofType(rs, "/targetGroup:TargetGroup");
      assert.ok(groups.length > 0);
      for (const tg of groups) assert.equal(tg.inputs["healthCheck"].path, "/healthz", `${target}: ${tg.name}`);
      const services = ofType(rs, "ecs/service:Service");
      assert.ok(services.length >= 4);
      for (const s of services) assert.equal(s.inputs["waitForSteadyState"], true, `${target}: ${s.name}`);
    }
  });

  test("with CloudFront in front, nothing is open to 0.0.0.0/0 and the ALB admits only CloudFront, over HTTPS", () => {
    const rs = resources("prod");
    assert.deepEqual(ofType(rs, "SecurityGroupIngressRule").filter((r) => r.inputs["cidrIpv4"] !== undefined).map((r) => r.name), []);
    const fromCloudFront = ofType(rs, "SecurityGroupIngressRule").filter((r) => r.inputs["prefixListId"] !== undefined);
    assert.deepEqual(fromCloudFront.map((r) => [r.inputs["fromPort"], r.inputs["toPort"]]), [[443, 443]]);
    const listeners = ofType(rs, "lb/listener:Listener");
    assert.deepEqual(listeners.map((l) => [l.inputs["port"], l.inputs["protocol"], l.inputs["defaultActions"][0].type]), [[443, "HTTPS", "fixed-response"]]);
  });

  test("without a CDN, only the public entry's 80 (redirect) and 443 (HTTPS) are open", () => {
    const rs = resources("staging");
    const open = ofType(rs, "SecurityGroupIngressRule").filter((r) => r.inputs["cidrIpv4"] !== undefined);
    assert.deepEqual(open.map((r) => [r.inputs["cidrIpv4"], r.inputs["fromPort"]]).sort(), [["0.0.0.0/0", 443], ["0.0.0.0/0", 80]]);
    const listeners = ofType(rs, "lb/listener:Listener").map((l) => [l.inputs["port"], l.inputs["protocol"], l.inputs["defaultActions"][0].type]).sort();
    assert.deepEqual(listeners, [[443, "HTTPS", "forward"], [80, "HTTP", "redirect"]]);
  });
});

describe("edgeform up / destroy / preview --live without the engine", () => {
  let fakeBin: string;
  let emptyHome: string;
  before(() => {
    // A stand-in `pulumi` on PATH gets past the CLI check; it is never run, because the
    // credential checks that follow fail first.
    fakeBin = mkdtempSync(join(tmpdir(), "edgeform-fake-pulumi-"));
    writeFileSync(join(fakeBin, "pulumi"), "#!/bin/sh\necho 'the engine must not run in this test' >&2\nexit 99\n", { mode: 0o755 });
    emptyHome = mkdtempSync(join(tmpdir(), "edgeform-home-"));
  });
  after(() => {
    rmSync(fakeBin, { recursive: true, force: true });
    rmSync(emptyHome, { recursive: true, force: true });
  });
  const noPulumiPath = "/usr/bin:/bin";

  for (const args of [["up", "examples/quickstart.yaml"], ["destroy", "examples/quickstart.yaml", "--yes"], ["preview", "examples/quickstart.yaml", "--live"]]) {
    test(`${args.join(" ")}: no pulumi CLI on PATH → exit 2 and how to install it`, async () => {
      assert.ok(!existsSync("/usr/bin/pulumi") && !existsSync("/bin/pulumi"), "this test needs a PATH without pulumi");
      const run = await edgeform(args, { PATH: noPulumiPath, HOME: emptyHome });
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /EF_PULUMI_CLI_MISSING: the `pulumi` CLI is not installed/);
      assert.match(run.stderr, /install the Pulumi CLI: `curl -fsSL https:\/\/get\.pulumi\.com \| sh`/);
      assert.equal(run.stdout, "");
    });
  }

  test("docker target and no Docker engine → exit 2, saying Docker is missing", async () => {
    const run = await edgeform(["up", "examples/quickstart.yaml"], { PATH: `${fakeBin}:${noPulumiPath}`, HOME: emptyHome, DOCKER_HOST: `unix://${join(emptyHome, "no-docker.sock")}` });
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /EF_PULUMI_CREDENTIALS: this is a docker target, but no Docker engine answers/);
    assert.doesNotMatch(run.stderr, /engine must not run/);
  });

  test("aws target and no AWS credentials → exit 2, saying AWS credentials are missing", async () => {
    const run = await edgeform(["preview", "--live", "test/components/fixtures/shop.yaml", "--target", "aws"], { PATH: `${fakeBin}:${noPulumiPath}`, HOME: emptyHome });
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /EF_PULUMI_CREDENTIALS: this is an aws target, but no AWS credentials are configured/);
    assert.doesNotMatch(run.stderr, /engine must not run/);
  });

  test("aws target and no Docker engine → exit 2 up front: the edge image is built locally and pushed to ECR", async () => {
    const run = await edgeform(["up", "test/components/fixtures/shop.yaml", "--target", "aws"], {
      PATH: `${fakeBin}:${noPulumiPath}`, HOME: emptyHome, AWS_ACCESS_KEY_ID: "AKIDFAKE", AWS_SECRET_ACCESS_KEY: "fake", DOCKER_HOST: `unix://${join(emptyHome, "no-docker.sock")}`,
    });
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /EF_PULUMI_CREDENTIALS: target "aws" builds the edge proxy image locally and pushes it to ECR, but no Docker engine answers/);
    assert.doesNotMatch(run.stderr, /engine must not run/);
  });

  test("an engine failure (the Automation API's CommandError) → exit 1 with the engine's own message, no stack trace", async () => {
    // A stand-in engine that knows its version and then fails the way the real one reports errors.
    const engineBin = mkdtempSync(join(tmpdir(), "edgeform-failing-pulumi-"));
    writeFileSync(join(engineBin, "pulumi"), '#!/bin/sh\nif [ "$1" = "version" ]; then echo v3.270.0; exit 0; fi\necho "error: the engine says: quota exceeded for resource X" >&2\nexit 255\n', { mode: 0o755 });
    const docker = createServer((req, res) => res.end(req.url === "/_ping" ? "OK" : ""));
    await new Promise<void>((r) => docker.listen(0, "127.0.0.1", r));
    const state = mkdtempSync(join(tmpdir(), "edgeform-state-"));
    try {
      const port = (docker.address() as { port: number }).port;
      const run = await edgeform(["up", "examples/quickstart.yaml", "--backend", `file://${state}`], {
        PATH: `${engineBin}:${noPulumiPath}`, HOME: emptyHome, DOCKER_HOST: `tcp://127.0.0.1:${port}`, PULUMI_CONFIG_PASSPHRASE: "x", PULUMI_SKIP_UPDATE_CHECK: "true",
      });
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stderr, /error EF_PULUMI_ENGINE: pulumi up of stack quickstart-local failed/);
      assert.match(run.stderr, /the engine says: quota exceeded for resource X/);
      assert.doesNotMatch(run.stderr, /internal error|EF_INTERNAL|\bat \S+ \(/, "not an internal edgeform bug, no stack trace");
    } finally {
      docker.close();
      rmSync(engineBin, { recursive: true, force: true });
      rmSync(state, { recursive: true, force: true });
    }
  });

  test("destroy without --yes is a usage error", async () => {
    const run = await edgeform(["destroy", "examples/quickstart.yaml"]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /run it again with --yes/);
  });

  test("several targets and no --target is a usage error listing them", async () => {
    const run = await edgeform(["up", "test/components/fixtures/shop.yaml"], { PATH: noPulumiPath, HOME: emptyHome });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /several targets \(local, aws\); choose one with --target/);
  });
});
