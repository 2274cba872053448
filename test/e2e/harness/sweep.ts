/**
 * The safety net under `DockerApplier.teardown`: find every container,
 * network, volume and image labelled by the harness and remove it. With a
 * run id, only that run's; without, every run's (leftovers of crashed runs,
 * removed while holding the e2e lock so no live run is touched).
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import Docker from "dockerode";
import { RUN_LABEL } from "./run-label.js";

export interface SweepResult {
  containers: number;
  networks: number;
  volumes: number;
  images: number;
  /** What was removed, for the report. */
  removed: string[];
}

export async function sweepRuns(docker: Docker, runId?: string): Promise<SweepResult> {
  const filters = JSON.stringify({ label: [runId === undefined ? RUN_LABEL : `${RUN_LABEL}=${runId}`] });
  const result: SweepResult = { containers: 0, networks: 0, volumes: 0, images: 0, removed: [] };
  const ignoreGone = (err: { statusCode?: number }) => {
    if (err.statusCode !== 404) throw err;
  };
  for (const c of await docker.listContainers({ all: true, filters })) {
    await docker.getContainer(c.Id).remove({ force: true, v: true }).catch(ignoreGone);
    result.containers++;
    result.removed.push(`container ${c.Names.join(",")}`);
  }
  for (const n of await docker.listNetworks({ filters })) {
    await docker.getNetwork(n.Id).remove().catch(ignoreGone);
    result.networks++;
    result.removed.push(`network ${n.Name}`);
  }
  const volumes = (await docker.listVolumes({ filters })).Volumes ?? [];
  for (const v of volumes) {
    await docker.getVolume(v.Name).remove().catch(ignoreGone);
    result.volumes++;
    result.removed.push(`volume ${v.Name}`);
  }
  // An image built FROM another labelled one must go first; creation times tie within a
  // second, so remove in passes until nothing more can go.
  let images = await docker.listImages({ all: true, filters });
  while (images.length) {
    const blocked: typeof images = [];
    for (const i of images) {
      try {
        await docker.getImage(i.Id).remove({ force: true });
        result.images++;
        result.removed.push(`image ${(i.RepoTags ?? []).join(",") || i.Id}`);
      } catch (err) {
        const code = (err as { statusCode?: number }).statusCode;
        if (code === 409) blocked.push(i);
        else if (code !== 404) throw err;
      }
    }
    if (blocked.length === images.length) throw new Error(`cannot remove images ${blocked.map((i) => i.Id).join(", ")}: still in use`);
    images = blocked;
  }
  return result;
}

/** What `sweepRuns` would find, without removing anything. */
export async function leftovers(docker: Docker, runId: string): Promise<string[]> {
  const filters = JSON.stringify({ label: [`${RUN_LABEL}=${runId}`] });
  return [
    ...(await docker.listContainers({ all: true, filters })).map((c) => `container ${c.Names.join(",")}`),
    ...(await docker.listNetworks({ filters })).map((n) => `network ${n.Name}`),
    ...((await docker.listVolumes({ filters })).Volumes ?? []).map((v) => `volume ${v.Name}`),
    ...(await docker.listImages({ all: true, filters })).map((i) => `image ${(i.RepoTags ?? []).join(",") || i.Id}`),
  ];
}

/**
 * For `process.on("exit")`, where nothing asynchronous runs: sweep from a
 * child process and wait for it.
 */
export function sweepRunSync(runId: string, timeoutMs = 60_000): void {
  spawnSync(process.execPath, [fileURLToPath(import.meta.url), runId], { stdio: "inherit", timeout: timeoutMs });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const runId = process.argv[2];
  if (!runId) {
    process.stderr.write("usage: node sweep.js <run-id>\n");
    process.exit(2);
  }
  sweepRuns(new Docker(), runId).then(
    (r) => process.stderr.write(`e2e sweep of run ${runId}: ${JSON.stringify(r)}\n`),
    (err: Error) => {
      process.stderr.write(`e2e sweep of run ${runId} failed: ${err.message}\n`);
      process.exit(1);
    },
  );
}
