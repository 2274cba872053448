/**
 * The e2e check of alert delivery on Docker: the Alertmanager container is
 * up with the generated config, and Prometheus lists it as an active
 * Alertmanager (the `alerting:` section the plan wrote reaches it by
 * container name on the topology's network). Delivery itself is covered by
 * test/monitoring/alert-delivery.test.ts on local processes.
 */
import assert from "node:assert/strict";
import type { PlannedAlertmanager } from "../../src/plan/types.js";
import { waitFor, type LoopbackClient } from "./traffic.js";

export async function assertAlertmanagerSeenByPrometheus(client: LoopbackClient, prometheusPort: number, am: PlannedAlertmanager): Promise<void> {
  await waitFor("Alertmanager ready", 60_000, async () => ((await client.get(am.port, "/-/ready")).status === 200 ? true : undefined), 500);
  type Status = { config: { original: string } };
  const status = await client.getJson<Status>(am.port, "/api/v2/status");
  for (const receiver of am.receivers) assert.match(status.config.original, new RegExp(`name: ${receiver.name}\\b`), `Alertmanager loaded receiver ${receiver.name}`);
  type Alertmanagers = { data: { activeAlertmanagers: Array<{ url: string }> } };
  const active = await waitFor("Prometheus to list Alertmanager as active", 60_000, async () => {
    const list = (await client.getJson<Alertmanagers>(prometheusPort, "/api/v1/alertmanagers")).data.activeAlertmanagers;
    return list.some((a) => a.url.includes(`//${am.resourceName}:${am.port}/`)) ? list : undefined;
  }, 500);
  assert.ok(active.length >= 1);
}
