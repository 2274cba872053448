/**
 * Applies translated Docker resources to a real engine through dockerode,
 * records everything it creates, and removes it all in reverse order.
 * Everything carries the run label, so `sweepRuns` can find what a crashed
 * run left behind.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { randomBytes } from "node:crypto";
import type Docker from "dockerode";
import { buildContextEntries, packEntries } from "./build-context.js";
import { logsTail } from "./container-logs.js";
import { buildImage } from "./image-build.js";
import { RUN_LABEL } from "./run-label.js";
import { translateContainer, type ContainerPlan } from "./translate-container.js";
import {
  translateImage, translateNetwork, translateRemoteImage, translateVolume, type ImageBuildPlan,
} from "./translate-resources.js";
import type { Record_ } from "./fields.js";

export type Created =
  | { kind: "container"; id: string; name: string; graceSeconds?: number; removeVolumes: boolean }
  | { kind: "network"; id: string; name: string }
  | { kind: "volume"; id: string; name: string }
  | { kind: "image"; id: string; name: string; remove: boolean; force: boolean };

export interface Applied {
  id: string;
  state: Record_;
  /** What applying it created in the engine (for an update to delete it again). */
  created?: Created[];
}

export interface DockerApplierOptions {
  docker: Docker;
  runId: string;
  /** The Pulumi program's working directory (relative build paths resolve here). */
  cwd: string;
  log?: (line: string) => void;
}

export class DockerApplier {
  readonly docker: Docker;
  readonly runId: string;
  readonly created: Created[] = [];
  private readonly cwd: string;
  private readonly log: (line: string) => void;
  /** Applies under way: teardown waits for them, so nothing is created behind its back. */
  private readonly inflight = new Set<Promise<unknown>>();
  /** The engine objects the apply under way has created, so each resource knows its own. */
  private readonly applying = new AsyncLocalStorage<Created[]>();
  private closing = false;

  constructor(options: DockerApplierOptions) {
    this.docker = options.docker;
    this.runId = options.runId;
    this.cwd = options.cwd;
    this.log = options.log ?? (() => {});
  }

  get labels(): Record<string, string> {
    return { [RUN_LABEL]: this.runId };
  }

  /** Pulumi-style auto-name: the logical name plus a random suffix. */
  autoName(logicalName: string): string {
    return `${logicalName}-${randomBytes(4).toString("hex").slice(0, 7)}`;
  }

  network(name: string, inputs: Record_): Promise<Applied> {
    return this.track(() => this.networkNow(name, inputs));
  }

  private async networkNow(name: string, inputs: Record_): Promise<Applied> {
    const req = translateNetwork(inputs, () => this.autoName(name), this.labels);
    const net = await this.docker.createNetwork(req);
    this.remember({ kind: "network", id: net.id, name: req.Name });
    const info = (await net.inspect()) as { Id: string; Name: string; Driver: string; Scope: string; Internal: boolean; IPAM: { Driver: string; Config?: Array<Record<string, string>> } };
    this.log(`network ${req.Name} created`);
    return {
      id: info.Id,
      state: {
        ...inputs,
        name: info.Name,
        driver: info.Driver,
        scope: info.Scope,
        internal: info.Internal,
        ipamDriver: info.IPAM.Driver,
        ipamConfigs: (info.IPAM.Config ?? []).map((c) => ({ subnet: c["Subnet"], gateway: c["Gateway"], ipRange: c["IPRange"] })),
      },
    };
  }

  volume(name: string, inputs: Record_): Promise<Applied> {
    return this.track(() => this.volumeNow(name, inputs));
  }

  private async volumeNow(name: string, inputs: Record_): Promise<Applied> {
    const req = translateVolume(inputs, () => this.autoName(name), this.labels);
    await this.docker.createVolume(req);
    const vol = (await this.docker.getVolume(req.Name).inspect()) as { Name: string; Driver: string; Mountpoint: string };
    this.remember({ kind: "volume", id: vol.Name, name: vol.Name });
    return { id: vol.Name, state: { ...inputs, name: vol.Name, driver: vol.Driver, mountpoint: vol.Mountpoint } };
  }

  image(inputs: Record_): Promise<Applied> {
    return this.track(() => this.imageNow(inputs));
  }

  private async imageNow(inputs: Record_): Promise<Applied> {
    const plan = translateImage(inputs, this.cwd);
    const id = await this.build(plan);
    return {
      id,
      state: {
        ...inputs,
        imageName: plan.imageName,
        baseImageName: plan.imageName,
        // An image that is not pushed has no registry digest; the provider reports the local image id.
        repoDigest: id,
        context: plan.context,
        dockerfile: plan.dockerfile,
        platform: plan.platform,
        registryServer: "",
      },
    };
  }

  remoteImage(inputs: Record_): Promise<Applied> {
    return this.track(() => this.remoteImageNow(inputs));
  }

  private async remoteImageNow(inputs: Record_): Promise<Applied> {
    const plan = translateRemoteImage(inputs);
    const info = await this.inspectImage(plan.name);
    if (!info) {
      throw new Error(`docker:index/remoteImage:RemoteImage: image "${plan.name}" is not present in the engine and no registry is reachable to pull it; build it first`);
    }
    this.remember({ kind: "image", id: info.Id, name: plan.name, remove: !plan.keepLocally, force: plan.forceRemove });
    return {
      id: `${info.Id}${plan.name}`,
      state: { ...inputs, name: plan.name, imageId: info.Id, repoDigest: info.RepoDigests?.[0] ?? "" },
    };
  }

  container(name: string, inputs: Record_): Promise<Applied> {
    return this.track(() => this.containerNow(name, inputs));
  }

  private async containerNow(name: string, inputs: Record_): Promise<Applied> {
    const plan = translateContainer(inputs, { autoName: () => this.autoName(name), harnessLabels: this.labels });
    if (!(await this.inspectImage(plan.create.Image!))) {
      throw new Error(`container ${plan.name}: image "${plan.create.Image}" is not present in the engine and no registry is reachable to pull it`);
    }
    const started = Date.now();
    const container = await this.docker.createContainer(plan.create);
    this.remember({ kind: "container", id: container.id, name: plan.name, removeVolumes: plan.destroy.removeVolumes, ...(plan.destroy.graceSeconds !== undefined ? { graceSeconds: plan.destroy.graceSeconds } : {}) });
    for (const c of plan.connect) await this.docker.getNetwork(c.network).connect({ Container: container.id, EndpointConfig: c.endpoint });
    if (plan.uploads.length) {
      const archive = packEntries(plan.uploads.map((u) => ({ name: u.path.replace(/^\/+/, ""), type: "file", content: u.content, mode: u.mode, uid: u.uid, gid: u.gid })));
      await container.putArchive(archive, { path: "/" });
    }
    if (plan.start) {
      await container.start();
      if (plan.mustRun) await this.waitRunning(container, plan);
      if (plan.waitHealthyMs !== undefined) await this.waitHealthy(container, plan);
    }
    const info = await container.inspect();
    this.log(`container ${plan.name} up in ${Date.now() - started} ms`);
    return { id: info.Id, state: containerState(inputs, plan, info) };
  }

  private async build(plan: ImageBuildPlan): Promise<string> {
    const { entries, dockerfileName } = buildContextEntries(plan.context, plan.dockerfile);
    const options: Record<string, unknown> = {
      t: plan.imageName,
      dockerfile: dockerfileName,
      buildargs: plan.buildArgs,
      labels: this.labels,
      rm: true,
      forcerm: true,
      // Only images already in the engine can be bases: no registry is reachable.
      pull: false,
    };
    if (plan.target !== undefined) options["target"] = plan.target;
    if (plan.platform !== undefined) options["platform"] = plan.platform;
    const started = Date.now();
    await buildImage(this.docker, packEntries(entries), options);
    const info = await this.inspectImage(plan.imageName);
    if (!info) throw new Error(`image build of ${plan.imageName} reported success but the image is missing`);
    // The provider leaves built images in place on destroy; a test run must not, so the harness removes them.
    this.remember({ kind: "image", id: info.Id, name: plan.imageName, remove: true, force: true });
    this.log(`image ${plan.imageName} built in ${Date.now() - started} ms`);
    return info.Id;
  }

  async inspectImage(name: string): Promise<{ Id: string; RepoDigests?: string[] } | undefined> {
    try {
      return (await this.docker.getImage(name).inspect()) as { Id: string; RepoDigests?: string[] };
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return undefined;
      throw err;
    }
  }

  private async waitRunning(container: Docker.Container, plan: ContainerPlan): Promise<void> {
    const deadline = Date.now() + plan.runningTimeoutMs;
    for (;;) {
      const state = (await container.inspect()).State;
      if (state.Running) return;
      if (state.Status === "exited" || state.Status === "dead") {
        throw new Error(`container ${plan.name} exited immediately (exit code ${state.ExitCode}):\n${await logsTail(container)}`);
      }
      if (Date.now() > deadline) throw new Error(`container ${plan.name} is not running after ${plan.runningTimeoutMs} ms (status ${state.Status})`);
      await sleep(100);
    }
  }

  private async waitHealthy(container: Docker.Container, plan: ContainerPlan): Promise<void> {
    const deadline = Date.now() + plan.waitHealthyMs!;
    for (;;) {
      const state = (await container.inspect()).State as Docker.ContainerInspectInfo["State"] & { Health?: { Status: string; Log?: Array<{ Output: string }> } };
      if (!state.Health) throw new Error(`container ${plan.name}: wait is set but neither the container nor its image has a health check`);
      if (state.Health.Status === "healthy") return;
      // Like the provider, "unhealthy" is waited through (a probe may recover); only the deadline or an exit ends the wait.
      if (!state.Running || Date.now() > deadline) {
        const probe = state.Health.Log?.at(-1)?.Output?.trim() ?? "";
        throw new Error(
          `container ${plan.name} did not become healthy within ${plan.waitHealthyMs} ms (health ${state.Health.Status}, status ${state.Status}); ` +
            `last probe: ${probe || "(none)"}\n${await logsTail(container)}`,
        );
      }
      await sleep(200);
    }
  }

  private remember(item: Created): void {
    this.created.push(item);
    this.applying.getStore()?.push(item);
  }

  /**
   * Deletes what one resource created (an update's replacement or removal),
   * newest first. A replaced image goes by id: its tag now names the new build.
   */
  async remove(items: readonly Created[]): Promise<void> {
    for (const item of [...items].reverse()) {
      try {
        await removeCreated(this.docker, item.kind === "image" ? { ...item, name: item.id } : item);
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode !== 404) throw err;
      }
      const at = this.created.indexOf(item);
      if (at >= 0) this.created.splice(at, 1);
    }
    if (items.length) this.log(`removed ${items.map((i) => `${i.kind} ${i.name}`).join(", ")}`);
  }

  private track<T extends Applied>(apply: () => Promise<T>): Promise<T> {
    if (this.closing) return Promise.reject(new Error("the harness is tearing down; no more resources are applied"));
    const created: Created[] = [];
    const p = this.applying.run(created, apply).then((applied) => ({ ...applied, created }));
    this.inflight.add(p);
    const done = () => this.inflight.delete(p);
    p.then(done, done);
    return p;
  }

  /**
   * Removes everything this applier created, newest first, after any apply
   * still under way has settled. Returns the failures (empty when all went).
   */
  async teardown(settleTimeoutMs = 120_000): Promise<string[]> {
    this.closing = true;
    const failures: string[] = [];
    if (this.inflight.size) {
      let timer: NodeJS.Timeout | undefined;
      const settled = await Promise.race([
        Promise.allSettled([...this.inflight]).then(() => true),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), settleTimeoutMs))),
      ]);
      clearTimeout(timer);
      if (!settled) failures.push(`${this.inflight.size} resource(s) still being applied after ${settleTimeoutMs} ms; the label sweep removes them`);
    }
    for (const item of [...this.created].reverse()) {
      try {
        await removeCreated(this.docker, item);
      } catch (err) {
        const code = (err as { statusCode?: number }).statusCode;
        if (code !== 404) failures.push(`${item.kind} ${item.name}: ${(err as Error).message}`);
      }
    }
    this.created.length = 0;
    return failures;
  }
}

async function removeCreated(docker: Docker, item: Created): Promise<void> {
  switch (item.kind) {
    case "container": {
      const c = docker.getContainer(item.id);
      if (item.graceSeconds !== undefined) await c.stop({ t: item.graceSeconds }).catch(() => {});
      await c.remove({ force: true, v: item.removeVolumes });
      return;
    }
    case "network":
      await docker.getNetwork(item.id).remove();
      return;
    case "volume":
      await docker.getVolume(item.name).remove();
      return;
    case "image":
      if (item.remove) await docker.getImage(item.name).remove({ force: item.force });
      return;
  }
}

function containerState(inputs: Record_, plan: ContainerPlan, info: Docker.ContainerInspectInfo): Record_ {
  const networks = info.NetworkSettings.Networks ?? {};
  const published = info.NetworkSettings.Ports ?? {};
  const ports = ((inputs["ports"] as Record_[] | undefined) ?? []).map((p) => {
    const key = `${p["internal"]}/${(p["protocol"] as string | undefined) ?? "tcp"}`;
    const binding = published[key]?.[0];
    return { ...p, ip: p["ip"] ?? "0.0.0.0", protocol: p["protocol"] ?? "tcp", external: p["external"] ?? (binding ? Number(binding.HostPort) : undefined) };
  });
  return {
    ...inputs,
    name: plan.name,
    hostname: info.Config.Hostname,
    ports,
    networkDatas: Object.entries(networks).map(([networkName, n]) => ({
      networkName,
      ipAddress: n.IPAddress,
      ipPrefixLength: n.IPPrefixLen,
      gateway: n.Gateway,
      macAddress: n.MacAddress,
      globalIpv6Address: n.GlobalIPv6Address,
      globalIpv6PrefixLength: n.GlobalIPv6PrefixLen,
      ipv6Gateway: n.IPv6Gateway,
    })),
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
