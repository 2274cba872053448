/**
 * Alert delivery on real processes, all on 127.0.0.1: `edgeform dev` runs the
 * edge proxy, Prometheus and Alertmanager with the generated configs, in
 * front of a fleet (the demo origin, a separate process). The fleet is
 * stopped: a local webhook receiver gets the EdgeformBackendDown
 * notification with the right labels; the fleet is restarted: the resolved
 * notification arrives. Intervals are a second so it all takes seconds.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { allocatePorts } from "../../src/dev/ports.js";
import { ALERTMANAGER_BINARIES } from "../../src/dev/alertmanager-process.js";
import { startDevJson, until } from "./support/dev-json.js";
import { root } from "./support/specs.js";

interface Notification {
  status: "firing" | "resolved";
  alerts: Array<{ status: string; labels: Record<string, string>; annotations: Record<string, string> }>;
}

const work = mkdtempSync(join(tmpdir(), "edgeform-alert-delivery-"));
const started: ChildProcess[] = [];
let receiver: Server | undefined;
after(async () => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
  rmSync(work, { recursive: true, force: true });
});

function installed(name: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${name}`]).status === 0;
}

/** The demo origin as the fleet's one backend, in a process of its own so it can be stopped and started again. */
function startFleet(port: number): ChildProcess {
  const child = spawn(process.execPath, [join(root, "bin/edgeform.js"), "origin", "--port", String(port), "--host", "127.0.0.1", "--replica", "api-0"], { stdio: "ignore" });
  started.push(child);
  return child;
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  await exited;
}

test("a stopped fleet reaches a webhook receiver as EdgeformBackendDown, and its return as resolved", { timeout: 120_000 }, async (t) => {
  assert.ok(installed("prometheus"), "prometheus must be installed (Debian package prometheus)");
  assert.ok(ALERTMANAGER_BINARIES.some(installed), "alertmanager must be installed (Debian package prometheus-alertmanager)");
  const [fleetPort, listenerPort] = await allocatePorts(2);

  const notifications: Notification[] = [];
  receiver = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => (body += c));
    req.on("end", () => {
      if (req.method === "POST" && req.url === "/alerts") notifications.push(JSON.parse(body) as Notification);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => receiver!.listen(0, "127.0.0.1", resolve));
  const receiverPort = (receiver.address() as { port: number }).port;

  const spec = join(work, "alerts.yaml");
  writeFileSync(spec, `
version: 1
name: deliver
fleets:
  api:
    endpoints: ["127.0.0.1:${fleetPort}"]
    healthCheck: { path: /healthz, interval: 1s, timeout: 500ms, healthyThreshold: 1, unhealthyThreshold: 1 }
edge:
  listeners: [{ name: web, protocol: http, port: ${listenerPort} }]
  routes: [{ name: api, match: { pathPrefix: / }, fleet: api }]
monitoring:
  prometheus: { scrapeInterval: 1s }
  alerts: { backendDownFor: 1s }
  alertmanager:
    receivers:
      hooks: { webhook: { url: "http://127.0.0.1:${receiverPort}/alerts" } }
    route: { receiver: hooks, groupBy: [alertname, fleet], groupWait: 1s, groupInterval: 1s, repeatInterval: 1h }
`);
  const fleet = startFleet(fleetPort!);
  const { child: dev, events, show } = startDevJson(spec);
  started.push(dev);

  try {
    const ready = await until(`dev's ready event\n${show()}`, 60_000, () => events.find((e) => e["event"] === "ready"));
    const prometheus = ready["prometheus"] as string;
    const alertmanager = ready["alertmanager"] as string;
    assert.match(prometheus, /^http:\/\/127\.0\.0\.1:\d+$/, show());
    assert.match(alertmanager, /^http:\/\/127\.0\.0\.1:\d+$/, show());

    // Prometheus found the Alertmanager the plan wired it to.
    await until("Prometheus to list Alertmanager as active", 30_000, async () => {
      const res = await fetch(`${prometheus}/api/v1/alertmanagers`);
      // 503 while Prometheus is still starting up.
      if (!res.ok) return undefined;
      const body = (await res.json()) as { data: { activeAlertmanagers: Array<{ url: string }> } };
      return body.data.activeAlertmanagers.some((a) => a.url.startsWith(`${alertmanager}/`)) ? true : undefined;
    });
    assert.equal((await fetch(`http://127.0.0.1:${listenerPort}/hello`)).status, 200, "the fleet serves through the edge");

    const stoppedAt = Date.now();
    await stopProcess(fleet);
    const firing = await until(`a firing EdgeformBackendDown notification\n${show()}`, 45_000, () =>
      notifications.flatMap((n) => n.alerts).find((a) => a.labels["alertname"] === "EdgeformBackendDown" && a.status === "firing"));
    assert.deepEqual(
      { ...firing.labels, instance: undefined },
      {
        alertname: "EdgeformBackendDown",
        backend: `127.0.0.1:${fleetPort}`,
        fleet: "api",
        severity: "warning",
        source: "fleet",
        topology: "deliver",
        job: "edgeform-edge",
        tier: "edge",
        instance: undefined,
      },
    );
    assert.match(firing.annotations["summary"]!, new RegExp(`Backend 127\\.0\\.0\\.1:${fleetPort} of fleet api is unhealthy`));
    assert.match(firing.annotations["runbook"]!, /Healthy backends by fleet/);

    t.diagnostic(`fleet stopped → firing notification: ${Date.now() - stoppedAt} ms`);
    const restartedAt = Date.now();
    startFleet(fleetPort!);
    const resolved = await until(`a resolved EdgeformBackendDown notification\n${show()}`, 45_000, () =>
      notifications.find((n) => n.status === "resolved" && n.alerts.some((a) => a.labels["alertname"] === "EdgeformBackendDown")));
    t.diagnostic(`fleet restarted → resolved notification: ${Date.now() - restartedAt} ms`);
    assert.equal(resolved.alerts[0]!.labels["backend"], `127.0.0.1:${fleetPort}`);
  } finally {
    await stopProcess(dev);
  }
});
