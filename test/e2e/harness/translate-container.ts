/**
 * docker:index/container:Container inputs → Engine API calls, following the
 * Docker provider's documented meaning (kreuzwerker/terraform-provider-docker,
 * which @pulumi/docker bridges): create, connect the `networksAdvanced`
 * networks with their aliases, upload `uploads` before start, start, check it
 * keeps running (`mustRun`), wait for healthy (`wait`). Pure: no Docker here.
 */
import { readFileSync } from "node:fs";
import type Docker from "dockerode";
import { goDurationToNanoseconds } from "./durations.js";
import {
  labelMap, optBool, optNumber, optObject, optObjectList, optString, optStringList, optStringMap, refuseUnknown, reqString,
  type Record_,
} from "./fields.js";

export const CONTAINER_TYPE = "docker:index/container:Container";

/** Every Container input the harness translates; any other input is refused. */
export const CONTAINER_FIELDS = [
  "image", "name", "hostname", "domainname", "command", "entrypoints", "envs", "workingDir", "user", "labels",
  "ports", "networksAdvanced", "networkMode", "hosts", "uploads", "mounts", "volumes", "tmpfs", "healthcheck",
  "restart", "maxRetryCount", "start", "mustRun", "wait", "waitTimeout", "containerReadRefreshTimeoutMilliseconds",
  "memory", "memorySwap", "cpuShares", "cpus", "init", "readOnly", "stopSignal", "stopTimeout",
  "destroyGraceSeconds", "removeVolumes", "logDriver", "logOpts",
] as const;

export interface EndpointSettings {
  Aliases?: string[];
  IPAMConfig?: { IPv4Address?: string; IPv6Address?: string };
}

export interface UploadPlan {
  /** Absolute path in the container. */
  path: string;
  content: Buffer;
  mode: number;
  uid: number;
  gid: number;
}

export interface ContainerPlan {
  name: string;
  create: Docker.ContainerCreateOptions & { name: string };
  /** Networks to connect after create, before start (the Engine API takes one at create). */
  connect: Array<{ network: string; endpoint: EndpointSettings }>;
  uploads: UploadPlan[];
  start: boolean;
  /** Fail unless the container is running after start, within runningTimeoutMs. */
  mustRun: boolean;
  runningTimeoutMs: number;
  /** Wait for the health check to report healthy, within this many ms. */
  waitHealthyMs?: number;
  destroy: { graceSeconds?: number; removeVolumes: boolean };
}

export interface TranslateOptions {
  /** Name for a container whose `name` is not set (Pulumi auto-naming: logical name + random suffix). */
  autoName: () => string;
  /** Labels the harness adds to find what it created (never replaces a user label). */
  harnessLabels: Record<string, string>;
  readFile?: (path: string) => Buffer;
}

const RESTART_POLICIES = ["no", "on-failure", "always", "unless-stopped"];
const MOUNT_TYPES = ["bind", "volume", "tmpfs"];
const MIB = 1024 * 1024;

export function translateContainer(inputs: Record_, options: TranslateOptions): ContainerPlan {
  const at = CONTAINER_TYPE;
  refuseUnknown(at, inputs, CONTAINER_FIELDS);
  const name = optString(at, inputs, "name") ?? options.autoName();

  const config: Docker.ContainerCreateOptions & { name: string } = { name, Image: reqString(at, inputs, "image") };
  const host: Docker.HostConfig = {};
  const set = <T>(value: T | undefined, apply: (v: T) => void) => value !== undefined && apply(value);

  set(optString(at, inputs, "hostname"), (v) => (config.Hostname = v));
  set(optString(at, inputs, "domainname"), (v) => (config.Domainname = v));
  set(optStringList(at, inputs, "command"), (v) => {
    const empty = v.indexOf("");
    // The provider's own check: a real `pulumi up` fails the same way.
    if (empty >= 0) throw new TypeError(`${at}.command[${empty}] is an empty string, which the Docker provider refuses ("values for command may not be empty")`);
    config.Cmd = v;
  });
  set(optStringList(at, inputs, "entrypoints"), (v) => (config.Entrypoint = v));
  set(optStringList(at, inputs, "envs"), (v) => {
    const bad = v.find((e) => !/^[^=]+=/.test(e));
    if (bad !== undefined) throw new TypeError(`${at}.envs: "${bad}" is not KEY=VALUE`);
    config.Env = v;
  });
  set(optString(at, inputs, "workingDir"), (v) => (config.WorkingDir = v));
  set(optString(at, inputs, "user"), (v) => (config.User = v));
  set(optString(at, inputs, "stopSignal"), (v) => (config.StopSignal = v));
  set(optNumber(at, inputs, "stopTimeout"), (v) => (config.StopTimeout = v));
  config.Labels = { ...labelMap(at, inputs), ...options.harnessLabels };

  const ports = translatePorts(at, inputs);
  if (ports) {
    config.ExposedPorts = ports.exposed;
    host.PortBindings = ports.bindings;
  }
  set(translateHealthcheck(at, inputs), (v) => (config.Healthcheck = v));

  const restart = optString(at, inputs, "restart") ?? "no";
  if (!RESTART_POLICIES.includes(restart)) throw new TypeError(`${at}.restart must be one of ${RESTART_POLICIES.join(", ")}`);
  const maxRetryCount = optNumber(at, inputs, "maxRetryCount");
  if (maxRetryCount !== undefined && restart !== "on-failure") {
    throw new TypeError(`${at}.maxRetryCount only applies to restart "on-failure" (restart is "${restart}")`);
  }
  host.RestartPolicy = { Name: restart, MaximumRetryCount: maxRetryCount ?? 0 };

  set(optNumber(at, inputs, "memory"), (v) => (host.Memory = v * MIB));
  set(optNumber(at, inputs, "memorySwap"), (v) => (host.MemorySwap = v > 0 ? v * MIB : v));
  set(optNumber(at, inputs, "cpuShares"), (v) => (host.CpuShares = v));
  set(optString(at, inputs, "cpus"), (v) => {
    const cpus = Number(v);
    if (!(cpus > 0)) throw new TypeError(`${at}.cpus must be a positive number such as "1.5", got "${v}"`);
    host.NanoCpus = Math.round(cpus * 1e9);
  });
  set(optBool(at, inputs, "init"), (v) => (host.Init = v));
  set(optBool(at, inputs, "readOnly"), (v) => (host.ReadonlyRootfs = v));
  set(optStringMap(at, inputs, "tmpfs"), (v) => (host.Tmpfs = v));
  set(optObjectList(at, inputs, "hosts"), (v) => {
    host.ExtraHosts = v.map((h, i) => {
      refuseUnknown(`${at}.hosts[${i}]`, h, ["host", "ip"]);
      return `${reqString(`${at}.hosts[${i}]`, h, "host")}:${reqString(`${at}.hosts[${i}]`, h, "ip")}`;
    });
  });
  const logDriver = optString(at, inputs, "logDriver");
  const logOpts = optStringMap(at, inputs, "logOpts");
  if (logDriver !== undefined || logOpts !== undefined) host.LogConfig = { Type: logDriver ?? "json-file", Config: logOpts ?? {} };

  const mounts = translateMounts(at, inputs);
  if (mounts.length) host.Mounts = mounts;
  const volumes = translateVolumes(at, inputs);
  if (volumes.binds.length) host.Binds = volumes.binds;
  if (volumes.from.length) host.VolumesFrom = volumes.from;
  if (Object.keys(volumes.anonymous).length) config.Volumes = volumes.anonymous;

  const { networkMode, connect } = translateNetworks(at, inputs);
  if (networkMode !== undefined) host.NetworkMode = networkMode;
  if (connect.length) {
    // The first network is given at create (so the container never joins the
    // default bridge); the provider's result is the same: attached only to these.
    const [first, ...rest] = connect;
    host.NetworkMode = first!.network;
    config.NetworkingConfig = { EndpointsConfig: { [first!.network]: first!.endpoint } };
    connect.splice(0, connect.length, ...rest);
  }
  config.HostConfig = host;

  // `wait` needs a health check: this one or the image's HEALTHCHECK (checked when waiting).
  const waitHealthy = optBool(at, inputs, "wait") ?? false;
  const plan: ContainerPlan = {
    name,
    create: config,
    connect,
    uploads: translateUploads(at, inputs, options.readFile ?? ((p) => readFileSync(p))),
    start: optBool(at, inputs, "start") ?? true,
    mustRun: optBool(at, inputs, "mustRun") ?? true,
    runningTimeoutMs: optNumber(at, inputs, "containerReadRefreshTimeoutMilliseconds") ?? 15_000,
    destroy: { removeVolumes: optBool(at, inputs, "removeVolumes") ?? true },
  };
  if (waitHealthy) plan.waitHealthyMs = (optNumber(at, inputs, "waitTimeout") ?? 60) * 1000;
  set(optNumber(at, inputs, "destroyGraceSeconds"), (v) => (plan.destroy.graceSeconds = v));
  return plan;
}

function translatePorts(at: string, inputs: Record_) {
  const list = optObjectList(at, inputs, "ports");
  if (!list?.length) return undefined;
  const exposed: Record<string, {}> = {};
  const bindings: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
  list.forEach((p, i) => {
    const where = `${at}.ports[${i}]`;
    refuseUnknown(where, p, ["internal", "external", "ip", "protocol"]);
    const internal = optNumber(where, p, "internal");
    if (internal === undefined) throw new TypeError(`${where}.internal is required`);
    const protocol = optString(where, p, "protocol") ?? "tcp";
    const key = `${internal}/${protocol}`;
    exposed[key] = {};
    // No external port: the engine picks a free one (the provider documents ">= 32768").
    const external = optNumber(where, p, "external");
    (bindings[key] ??= []).push({ HostIp: optString(where, p, "ip") ?? "0.0.0.0", HostPort: external === undefined ? "" : String(external) });
  });
  return { exposed, bindings };
}

function translateHealthcheck(at: string, inputs: Record_) {
  const hc = optObject(at, inputs, "healthcheck");
  if (!hc) return undefined;
  const where = `${at}.healthcheck`;
  refuseUnknown(where, hc, ["tests", "interval", "timeout", "startPeriod", "retries"]);
  const tests = optStringList(where, hc, "tests");
  if (!tests?.length) throw new TypeError(`${where}.tests is required (e.g. ["CMD", "curl", "-f", "localhost/health"])`);
  const out: NonNullable<Docker.ContainerCreateOptions["Healthcheck"]> = { Test: tests };
  const ns = (key: string) => {
    const v = optString(where, hc, key);
    return v === undefined ? undefined : goDurationToNanoseconds(v);
  };
  const interval = ns("interval");
  const timeout = ns("timeout");
  const startPeriod = ns("startPeriod");
  const retries = optNumber(where, hc, "retries");
  if (interval !== undefined) out.Interval = interval;
  if (timeout !== undefined) out.Timeout = timeout;
  if (startPeriod !== undefined) out.StartPeriod = startPeriod;
  if (retries !== undefined) out.Retries = retries;
  return out;
}

function translateNetworks(at: string, inputs: Record_) {
  const networkMode = optString(at, inputs, "networkMode");
  const list = optObjectList(at, inputs, "networksAdvanced") ?? [];
  if (list.length && networkMode !== undefined && networkMode !== "bridge") {
    throw new TypeError(`${at}: networkMode "${networkMode}" together with networksAdvanced is not translated; use networksAdvanced alone`);
  }
  const connect = list.map((n, i) => {
    const where = `${at}.networksAdvanced[${i}]`;
    refuseUnknown(where, n, ["name", "aliases", "ipv4Address", "ipv6Address"]);
    const endpoint: EndpointSettings = {};
    const aliases = optStringList(where, n, "aliases");
    if (aliases?.length) endpoint.Aliases = aliases;
    const ipv4 = optString(where, n, "ipv4Address");
    const ipv6 = optString(where, n, "ipv6Address");
    if (ipv4 !== undefined || ipv6 !== undefined) {
      endpoint.IPAMConfig = {};
      if (ipv4 !== undefined) endpoint.IPAMConfig.IPv4Address = ipv4;
      if (ipv6 !== undefined) endpoint.IPAMConfig.IPv6Address = ipv6;
    }
    return { network: reqString(where, n, "name"), endpoint };
  });
  return { networkMode: list.length ? undefined : networkMode, connect };
}

function translateUploads(at: string, inputs: Record_, readFile: (p: string) => Buffer): UploadPlan[] {
  return (optObjectList(at, inputs, "uploads") ?? []).map((u, i) => {
    const where = `${at}.uploads[${i}]`;
    refuseUnknown(where, u, ["file", "content", "contentBase64", "source", "sourceHash", "executable", "permissions", "owner", "group"]);
    const path = reqString(where, u, "file");
    if (!path.startsWith("/")) throw new TypeError(`${where}.file must be an absolute path in the container, got "${path}"`);
    const content = optString(where, u, "content");
    const base64 = optString(where, u, "contentBase64");
    const source = optString(where, u, "source");
    const given = [content, base64, source].filter((x) => x !== undefined).length;
    if (given !== 1) throw new TypeError(`${where}: exactly one of content, contentBase64 or source must be set (got ${given})`);
    const bytes = content !== undefined ? Buffer.from(content, "utf8") : base64 !== undefined ? Buffer.from(base64, "base64") : readFile(source!);
    const permissions = optString(where, u, "permissions");
    if (permissions !== undefined && !/^0?[0-7]{3,4}$/.test(permissions)) throw new TypeError(`${where}.permissions must be octal such as "0644"`);
    // `permissions` has precedence over `executable` (0744), else 0644: the provider's rule.
    const mode = permissions !== undefined ? parseInt(permissions, 8) : optBool(where, u, "executable") ? 0o744 : 0o644;
    return { path, content: bytes, mode, uid: numericId(where, u, "owner"), gid: numericId(where, u, "group") };
  });
}

/** Owner/group by number only: names would be resolved in the host's user database, which says nothing about the image. */
function numericId(where: string, u: Record_, key: string): number {
  const v = optString(where, u, key);
  if (v === undefined) return 0;
  if (!/^\d+$/.test(v)) throw new TypeError(`${where}.${key}: only numeric ids are translated, got "${v}"`);
  return Number(v);
}

function translateMounts(at: string, inputs: Record_): Docker.MountSettings[] {
  return (optObjectList(at, inputs, "mounts") ?? []).map((m, i) => {
    const where = `${at}.mounts[${i}]`;
    refuseUnknown(where, m, ["target", "type", "source", "readOnly", "bindOptions", "volumeOptions", "tmpfsOptions"]);
    const type = reqString(where, m, "type");
    if (!MOUNT_TYPES.includes(type)) throw new TypeError(`${where}.type must be one of ${MOUNT_TYPES.join(", ")}`);
    const mount: Docker.MountSettings = { Target: reqString(where, m, "target"), Source: optString(where, m, "source") ?? "", Type: type as "bind" };
    const ro = optBool(where, m, "readOnly");
    if (ro !== undefined) mount.ReadOnly = ro;
    const bind = optObject(where, m, "bindOptions");
    const volume = optObject(where, m, "volumeOptions");
    const tmpfs = optObject(where, m, "tmpfsOptions");
    if (bind && type !== "bind") throw new TypeError(`${where}.bindOptions only apply to type "bind"`);
    if (volume && type !== "volume") throw new TypeError(`${where}.volumeOptions only apply to type "volume"`);
    if (tmpfs && type !== "tmpfs") throw new TypeError(`${where}.tmpfsOptions only apply to type "tmpfs"`);
    if (bind) {
      refuseUnknown(`${where}.bindOptions`, bind, ["propagation"]);
      const propagation = optString(`${where}.bindOptions`, bind, "propagation");
      mount.BindOptions = (propagation !== undefined ? { Propagation: propagation } : {}) as Docker.MountSettings["BindOptions"];
    }
    if (volume) {
      refuseUnknown(`${where}.volumeOptions`, volume, ["noCopy", "labels", "driverName", "driverOptions"]);
      const opts: Record<string, unknown> = {};
      const noCopy = optBool(`${where}.volumeOptions`, volume, "noCopy");
      if (noCopy !== undefined) opts["NoCopy"] = noCopy;
      const labels = labelMap(`${where}.volumeOptions`, volume);
      if (Object.keys(labels).length) opts["Labels"] = labels;
      const driverName = optString(`${where}.volumeOptions`, volume, "driverName");
      const driverOptions = optStringMap(`${where}.volumeOptions`, volume, "driverOptions");
      if (driverName !== undefined || driverOptions !== undefined) opts["DriverConfig"] = { Name: driverName ?? "", Options: driverOptions ?? {} };
      mount.VolumeOptions = opts as Docker.MountSettings["VolumeOptions"];
    }
    if (tmpfs) {
      refuseUnknown(`${where}.tmpfsOptions`, tmpfs, ["sizeBytes", "mode"]);
      const opts: Record<string, unknown> = {};
      const size = optNumber(`${where}.tmpfsOptions`, tmpfs, "sizeBytes");
      const mode = optNumber(`${where}.tmpfsOptions`, tmpfs, "mode");
      if (size !== undefined) opts["SizeBytes"] = size;
      if (mode !== undefined) opts["Mode"] = mode;
      mount.TmpfsOptions = opts as Docker.MountSettings["TmpfsOptions"];
    }
    return mount;
  });
}

function translateVolumes(at: string, inputs: Record_) {
  const binds: string[] = [];
  const from: string[] = [];
  const anonymous: Record<string, {}> = {};
  (optObjectList(at, inputs, "volumes") ?? []).forEach((v, i) => {
    const where = `${at}.volumes[${i}]`;
    refuseUnknown(where, v, ["containerPath", "hostPath", "volumeName", "readOnly", "fromContainer"]);
    const fromContainer = optString(where, v, "fromContainer");
    if (fromContainer !== undefined) {
      from.push(fromContainer);
      return;
    }
    const containerPath = reqString(where, v, "containerPath");
    // hostPath takes precedence over volumeName (documented); neither → an anonymous volume.
    const source = optString(where, v, "hostPath") ?? optString(where, v, "volumeName");
    const suffix = optBool(where, v, "readOnly") ? ":ro" : "";
    if (source === undefined) anonymous[containerPath] = {};
    else binds.push(`${source}:${containerPath}${suffix}`);
  });
  return { binds, from, anonymous };
}
