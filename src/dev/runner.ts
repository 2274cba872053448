/**
 * DevRunner: a whole topology on this machine as processes. It validates and
 * plans the spec (the plan is the only source of config), starts every
 * replica from its dev.command, the cache tier's redis-server and Prometheus
 * when their binaries exist, and the real edge proxy with the plan's runtime
 * config; then keeps them running, applies spec edits, and stops everything
 * it started.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, dirname, join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { isEdgeformError } from "../errors.js";
import { DEV_TARGET, planDeployment, secretEnvName } from "../plan/plan.js";
import type { DeploymentPlan } from "../plan/types.js";
import type { CertificateConfig } from "../plan/tls-config.js";
import { location, type Diagnostic } from "../spec/diagnostics.js";
import type { Topology } from "../spec/types.js";
import { validateTopologyFile, type ValidationResult } from "../spec/validate.js";
import { exampleRequests, purgeCommand } from "./banner.js";
import { EdgeProxy } from "./edge-proxy.js";
import { devCertificateNames, edgeformDataDir, ensureLocalCa, issueDevCertificate, needsDevCertificate } from "./local-ca.js";
import type { DevEvent, Report } from "./events.js";
import { findOnPath, proxyMain, writeEdgeformShim } from "./executables.js";
import { assertRunnable, assignFleetPorts, desiredReplicas, diffReplicas, missingPortCount, replicaCounts, type ReplicaSpec } from "./plan-diff.js";
import { allocatePorts, assertPortsFree, LOOPBACK, waitForPort } from "./ports.js";
import { SupervisedProcess, type Spawn } from "./process.js";
import { PrometheusProcess } from "./prometheus-process.js";
import { ALERTMANAGER_BINARIES, AlertmanagerProcess } from "./alertmanager-process.js";
import { Reaper } from "./reaper.js";
import { RedisServers } from "./redis-servers.js";
import type { Scrape } from "./stats.js";
import { watchFile } from "./watch.js";

export interface DevRunnerOptions {
  /** Absolute path of the spec file. */
  specFile: string;
  /** The spec as the user named it, for messages (file:line:col); specFile by default. */
  specName?: string;
  /** `--port`: the first HTTP listener listens here instead of its spec port. */
  port?: number;
  /** How the user adds `--port` where they are, for the port-in-use fix; "--port" by default. */
  portOption?: string;
  watch: boolean;
  env: Readonly<Record<string, string | undefined>>;
  report: Report;
  /** The proxy entry point; the built dist/src/proxy/main.js by default. */
  proxyEntry?: string;
  /** Node binary for the proxy and the `edgeform` shim; this process's by default. */
  node?: string;
  /** How long processes get to start listening (replicas) or become ready (proxy). */
  startTimeoutMs?: number;
  /** SIGTERM → SIGKILL grace period when stopping. */
  graceMs?: number;
}

/** The secret dev invents when a spec has no admin token, so purging works. */
const DEV_ADMIN_SECRET = "dev_admin_token";

interface ReplicaProcess {
  spec: ReplicaSpec;
  proc: SupervisedProcess;
}

export class DevRunner {
  /** The admin bearer token of this run, for the banner's purge command. */
  private adminToken: { value: string; env: string; fromUser: boolean } | undefined;
  readonly finished: Promise<void>;
  private resolveFinished!: () => void;
  private plan: DeploymentPlan | undefined;
  private fleetPorts: Record<string, number[]> = {};
  private adminPort: number | undefined;
  private prometheusPort: number | undefined;
  private alertmanagerPort: number | undefined;
  private readonly usedPorts = new Set<number>();
  private readonly replicas = new Map<string, ReplicaProcess>();
  private redis: RedisServers | undefined;
  private proxy: EdgeProxy | undefined;
  private prometheus: PrometheusProcess | undefined;
  private alertmanager: AlertmanagerProcess | undefined;
  private stateDir = "";
  private shimDir = "";
  private watcher: { close(): void } | undefined;
  private reaper: Reaper | undefined;
  private queue: Promise<void> = Promise.resolve();
  private stopping: Promise<void> | undefined;
  private restartCursor = 0;
  private readonly saidOnce = new Set<string>();
  private readonly specDir: string;
  private readonly node: string;
  private readonly startTimeoutMs: number;
  private readonly graceMs: number;
  private readonly redisBinary: string | undefined;
  private readonly prometheusBinary: string | undefined;
  private readonly alertmanagerBinary: string | undefined;

  constructor(private readonly options: DevRunnerOptions) {
    this.finished = new Promise((resolve) => (this.resolveFinished = resolve));
    this.specDir = dirname(options.specFile);
    this.node = options.node ?? process.execPath;
    // Generous: a loaded laptop starting a dozen Node processes at once is slow.
    this.startTimeoutMs = options.startTimeoutMs ?? 60_000;
    this.graceMs = options.graceMs ?? 5_000;
    this.redisBinary = findOnPath("redis-server", options.env["PATH"]);
    this.prometheusBinary = findOnPath("prometheus", options.env["PATH"]);
    this.alertmanagerBinary = ALERTMANAGER_BINARIES.map((b) => findOnPath(b, options.env["PATH"])).find((p) => p !== undefined);
  }

  /**
   * Validate, plan and start everything. False when the spec is invalid (its
   * diagnostics were reported); throws EdgeformError for other user errors,
   * after stopping whatever had started.
   */
  async start(): Promise<boolean> {
    const validated = await this.validate();
    if (!validated.ok) {
      this.emit({ event: "spec-invalid", file: this.specName, diagnostics: validated.diagnostics, kept: false, specText: validated.spec.source });
      return false;
    }
    this.reportWarnings(validated.diagnostics);
    const topology = validated.topology;
    this.stateDir = await mkdtemp(join(tmpdir(), `edgeform-dev-${topology.name}-`));
    this.shimDir = writeEdgeformShim(join(this.stateDir, "bin"), this.node);
    this.reaper = new Reaper(this.stateDir, this.node);
    this.emit({ event: "starting", name: topology.name, spec: this.specName, stateDir: this.stateDir });
    try {
      await this.apply(topology, this.fleetLocator(validated));
      if (this.stopping) return true;
      this.emitReady();
      if (this.options.watch) this.watcher = watchFile(this.options.specFile, () => void this.reload());
      return true;
    } catch (e) {
      await this.stop("startup failed");
      throw e;
    }
  }

  /** Stop everything this runner started. Idempotent; later calls wait for the first. */
  stop(reason = "stopped"): Promise<void> {
    this.stopping ??= (async () => {
      this.watcher?.close();
      this.emit({ event: "stopping", reason });
      // The proxy first, so no request is sent to a replica that is going away.
      await this.proxy?.stop(this.graceMs);
      await Promise.all([...[...this.replicas.values()].map((r) => r.proc.stop(this.graceMs)), this.redis?.stop(), this.prometheus?.stop(), this.alertmanager?.stop()]);
      if (this.stateDir) await rm(this.stateDir, { recursive: true, force: true }).catch(() => undefined);
      this.reaper?.release();
      this.emit({ event: "stopped" });
      this.resolveFinished();
    })();
    return this.stopping;
  }

  get isStopping(): boolean {
    return this.stopping !== undefined;
  }

  /** Re-read the spec and apply it; an invalid spec keeps what runs. */
  reload(): Promise<void> {
    return this.enqueue(async () => {
      const validated = await this.validate();
      if (this.stopping) return;
      if (!validated.ok) {
        this.emit({ event: "spec-invalid", file: this.specName, diagnostics: validated.diagnostics, kept: true, specText: validated.spec.source });
        return;
      }
      this.reportWarnings(validated.diagnostics);
      try {
        const changes = await this.apply(validated.topology, this.fleetLocator(validated));
        if (!this.stopping) this.emit({ event: "reloaded", ...changes, pids: this.pids() });
      } catch (e) {
        if (!isEdgeformError(e)) throw e;
        this.emit({ event: "error", code: e.code, message: `${e.message} — the running topology is kept`, ...(e.hint ? { hint: e.hint } : {}) });
      }
    });
  }

  /** Restart the next replica in turn (the `r` key). Returns its name, or undefined when there is none. */
  restartNextReplica(): string | undefined {
    const keys = [...this.replicas.keys()].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
    if (keys.length === 0) return undefined;
    const replica = this.replicas.get(keys[this.restartCursor++ % keys.length]!)!;
    void this.enqueue(() => replica.proc.restart(this.graceMs));
    return replica.spec.name;
  }

  /** Purge the proxy's caches through its admin endpoint (the `p` key). */
  async purge(): Promise<void> {
    if (!this.proxy) return;
    try {
      this.emit({ event: "purged", ...(await this.proxy.purge()) });
    } catch (e) {
      this.emit({ event: "warning", message: `purge failed: ${(e as Error).message}` });
    }
  }

  /** One scrape of the proxy's /metrics; undefined while the proxy does not answer. */
  async scrape(): Promise<Scrape | undefined> {
    return this.stopping ? undefined : this.proxy?.scrape();
  }

  /** Routes and their fleets, in match order (for the live view). */
  routes(): Array<{ name: string; fleet: string }> {
    return (this.plan?.proxyConfig.routes ?? []).map((r) => ({ name: r.name, fleet: r.cluster }));
  }

  /** "127.0.0.1:port" → replica name, so the live view can say "web-0". */
  backendNames(): Map<string, string> {
    return new Map([...this.replicas.values()].map((r) => [`${LOOPBACK}:${r.spec.port}`, r.spec.name]));
  }

  /** Leader pids of every process this runner has running. */
  pids(): number[] {
    const procs = [...this.replicas.values()].map((r) => r.proc.pid);
    procs.push(this.proxy?.pid, this.prometheus?.process?.pid, this.alertmanager?.process?.pid, ...(this.redis?.processes().map((p) => p.pid) ?? []));
    return procs.filter((p): p is number => p !== undefined);
  }

  /** Serialize changes: a spec edit, a restart and a purge never interleave. */
  private enqueue(task: () => Promise<void>): Promise<void> {
    const next = this.queue.then(async () => {
      if (this.stopping) return;
      try {
        await task();
      } catch (e) {
        this.emit({ event: "error", code: isEdgeformError(e) ? e.code : "EF_INTERNAL", message: (e as Error).message });
      }
    });
    this.queue = next;
    return next;
  }

  // ── applying a topology ────────────────────────────────────────────────────

  /**
   * Make what runs match the topology. Everything that can fail because of the
   * spec is checked before any process is started or stopped, so a failed
   * reload leaves the running topology as it was.
   */
  private async apply(spec: Topology, locateFleet: (fleet: string) => string | undefined): Promise<{ started: string[]; stopped: string[] }> {
    const initial = this.plan === undefined;
    const topology = withDevAdminToken(spec);
    const draft = planDeployment(topology, DEV_TARGET);
    assertRunnable(draft, locateFleet);

    const listenerPorts = this.listenerPortOverrides(topology);
    const held = new Set(this.plan?.proxyConfig.listeners.map((l) => l.port) ?? []);
    const firstHttp = firstHttpListener(topology);
    const listeners = topology.edge.listeners.map((l) => ({
      port: listenerPorts[l.name] ?? l.port,
      what: `edge listener "${l.name}"`,
      ...(l.name === firstHttp ? { flag: this.options.portOption ?? "--port" } : {}),
    }));
    await assertPortsFree(listeners.filter((l) => !held.has(l.port)));

    const redisCaches = this.redisCaches(topology);
    const prometheusWanted = this.prometheusWanted(draft);
    const alertmanagerWanted = prometheusWanted && this.alertmanagerWanted(draft);
    const counts = replicaCounts(draft);
    const fleetNeeds = missingPortCount(this.fleetPorts, counts);
    const redisNeeds = redisCaches.filter((c) => this.redis?.port(c) === undefined).length;
    const fresh = await allocatePorts(
      fleetNeeds + redisNeeds + (this.adminPort === undefined ? 1 : 0) + (prometheusWanted && this.prometheusPort === undefined ? 1 : 0) + (alertmanagerWanted && this.alertmanagerPort === undefined ? 1 : 0),
      new Set([...this.usedPorts, ...listeners.map((l) => l.port)]),
    );
    fresh.forEach((p) => this.usedPorts.add(p));
    const fleetPorts = assignFleetPorts(this.fleetPorts, counts, fresh.splice(0, fleetNeeds));
    const redisPorts = Object.fromEntries(redisCaches.map((c) => [c, this.redis?.port(c) ?? fresh.shift()!]));
    this.adminPort ??= fresh.shift()!;
    if (prometheusWanted) this.prometheusPort ??= fresh.shift()!;
    if (alertmanagerWanted) this.alertmanagerPort ??= fresh.shift()!;

    const localCertificate = await this.localCertificate(topology);
    const plan = planDeployment(topology, DEV_TARGET, {
      specDir: resolve(this.specDir),
      dev: { fleetPorts, redisPorts, adminPort: this.adminPort, listenerPorts, ...(prometheusWanted ? { prometheusPort: this.prometheusPort! } : {}), ...(alertmanagerWanted ? { alertmanagerPort: this.alertmanagerPort! } : {}), ...(localCertificate ? { localCertificate } : {}) },
    });
    const { replicas: desired, missingSecrets } = desiredReplicas(plan, { specDir: this.specDir, env: this.options.env, locateFleet });
    for (const secret of missingSecrets) {
      this.once(`secret:${secret}`, "warning", `secret "${secret}" is not set: export ${secretEnvName(secret)} to pass it to the replicas that use it`);
    }

    // Start what is new before the proxy learns about it, stop what is gone after.
    await this.redisServers()?.start(plan);
    const diff = diffReplicas([...this.replicas.values()].map((r) => r.spec), desired);
    const leaving = new Set(diff.stop.map((r) => r.key));
    const replaced = new Set(diff.start.filter((r) => leaving.has(r.key)).map((r) => r.key));
    await this.startReplicas(diff.start.filter((r) => !replaced.has(r.key)));
    // A changed replica keeps its port: replace them one at a time so the fleet keeps serving.
    for (const r of diff.start.filter((r) => replaced.has(r.key))) {
      if (this.stopping) break;
      await this.stopReplica(r.key);
      await this.startReplicas([r]);
    }
    if (this.stopping) return { started: [], stopped: [] };

    this.proxy ??= this.createProxy(plan);
    await this.proxy.writeConfig(plan.proxyConfig);
    this.plan = plan;
    this.fleetPorts = fleetPorts;
    if (initial) await this.proxy.start();
    else if (!this.proxy.reload()) this.emit({ event: "notice", message: "the edge proxy is restarting; it reads the new config when it is back" });

    const removed = diff.stop.filter((r) => !replaced.has(r.key));
    if (removed.length > 0) {
      // Let requests already sent to them finish before they go.
      await sleep(500);
      await Promise.all(removed.map((r) => this.stopReplica(r.key)));
    }
    await this.redis?.stopUnused(plan);
    if (alertmanagerWanted || this.alertmanager) await this.alertmanagerProcess().apply(alertmanagerWanted ? plan.monitoring.alertmanager : undefined);
    if (prometheusWanted || this.prometheus) await this.prometheusProcess().apply(prometheusWanted ? plan.monitoring.prometheus : undefined);
    return { started: diff.start.map((r) => r.name), stopped: diff.stop.map((r) => r.name) };
  }

  private listenerPortOverrides(topology: Topology): Record<string, number> {
    const first = firstHttpListener(topology);
    return this.options.port !== undefined && first !== undefined ? { [first]: this.options.port } : {};
  }

  /** Caches that get a redis-server: those with a `redis` section, when redis-server is installed. */
  private redisCaches(topology: Topology): string[] {
    const wanted = Object.entries(topology.caches ?? {}).filter(([, c]) => c.redis !== undefined).map(([name]) => name);
    if (wanted.length > 0 && !this.redisBinary) {
      const many = wanted.length > 1;
      this.once("no-redis", "notice", `redis-server is not installed: cache${many ? "s" : ""} ${wanted.map((c) => `"${c}"`).join(", ")} run${many ? "" : "s"} the in-memory tier only (install redis-server for the shared tier)`);
      return [];
    }
    return wanted;
  }

  private prometheusWanted(plan: DeploymentPlan): boolean {
    if (!plan.monitoring.prometheus) return false;
    if (!this.prometheusBinary) {
      this.once("no-prometheus", "notice", "prometheus is not installed: monitoring runs without it (the live view reads the proxy's /metrics itself)");
      return false;
    }
    return true;
  }

  private alertmanagerWanted(plan: DeploymentPlan): boolean {
    if (!plan.monitoring.alertmanager) return false;
    if (!this.alertmanagerBinary) {
      this.once("no-alertmanager", "notice", "alertmanager is not installed: alerts fire in Prometheus but are not delivered (install prometheus-alertmanager)");
      return false;
    }
    return true;
  }

  // ── processes ──────────────────────────────────────────────────────────────

  /** Every process starts with the user's environment and the `edgeform` shim first on PATH. */
  private readonly spawn: Spawn = (role, spec, extra = {}) => {
    const path = this.options.env["PATH"];
    const env = { ...this.options.env, PATH: path ? `${this.shimDir}${delimiter}${path}` : this.shimDir, ...spec.env };
    const proc = new SupervisedProcess({ ...spec, env }, {
      output: (name, stream, line) => this.emit({ event: "log", source: name, stream, line }),
      started: (name, pid) => {
        this.reaper?.watch(pid);
        this.emit({ event: "process-started", name, role, pid, ...extra });
      },
      groupGone: (_name, pgid) => this.reaper?.forget(pgid),
      exited: (name, { pid, code, signal, expected, restartInMs }) => {
        if (this.stopping) return;
        this.emit({ event: "process-exited", name, role, pid, code, signal, expected, ...(restartInMs !== undefined ? { restartInMs } : {}) });
      },
    });
    if (!this.stopping) proc.start();
    return proc;
  };

  private isStopped = () => this.stopping !== undefined;

  private createProxy(plan: DeploymentPlan): EdgeProxy {
    const tokenEnv = plan.proxyConfig.admin.tokenEnv!;
    const userToken = this.options.env[tokenEnv];
    // A token the user set (EDGEFORM_SECRET_<NAME>) wins; otherwise one for this run only.
    this.adminToken = { env: tokenEnv, fromUser: userToken !== undefined, value: userToken ?? randomBytes(24).toString("base64url") };
    return new EdgeProxy({
      entry: this.options.proxyEntry ?? proxyMain(),
      node: this.node,
      stateDir: this.stateDir,
      cwd: this.specDir,
      adminPort: this.adminPort!,
      tokenEnv,
      token: this.adminToken.value,
      startTimeoutMs: this.startTimeoutMs,
      workers: plan.proxyConfig.workers,
      spawn: this.spawn,
      isStopping: this.isStopped,
    });
  }

  private redisServers(): RedisServers | undefined {
    if (!this.redisBinary) return undefined;
    this.redis ??= new RedisServers({
      binary: this.redisBinary,
      stateDir: this.stateDir,
      spawn: this.spawn,
      graceMs: this.graceMs,
      isStopping: this.isStopped,
      warn: (message) => this.emit({ event: "warning", message }),
    });
    return this.redis;
  }

  private prometheusProcess(): PrometheusProcess {
    this.prometheus ??= new PrometheusProcess({
      binary: this.prometheusBinary!,
      stateDir: this.stateDir,
      port: this.prometheusPort!,
      env: this.options.env,
      spawn: this.spawn,
      graceMs: this.graceMs,
      note: (message) => this.once("prometheus-note", "notice", message),
      warn: (key, message) => this.once(key, "warning", message),
    });
    return this.prometheus;
  }

  private alertmanagerProcess(): AlertmanagerProcess {
    this.alertmanager ??= new AlertmanagerProcess({
      binary: this.alertmanagerBinary!,
      stateDir: this.stateDir,
      port: this.alertmanagerPort!,
      env: this.options.env,
      spawn: this.spawn,
      graceMs: this.graceMs,
      warn: (key, message) => this.once(key, "warning", message),
    });
    return this.alertmanager;
  }

  private async startReplicas(specs: readonly ReplicaSpec[]): Promise<void> {
    const started = specs.map((spec) => {
      const proc = this.spawn(
        "replica",
        { name: spec.name, command: spec.command, cwd: spec.cwd, env: spec.env, restart: true, terminate: "group" },
        { port: spec.port, fleet: spec.fleet, replica: spec.index },
      );
      this.replicas.set(spec.key, { spec, proc });
      return { spec, proc };
    });
    await Promise.all(
      started.map(async ({ spec, proc }) => {
        const listening = await waitForPort(spec.port, this.startTimeoutMs, () => this.isStopped() || proc.exitCount > 0);
        if (listening || this.stopping) return;
        const last = proc.tail().at(-1);
        const why = proc.exitCount > 0 ? `exited before listening${last ? `: ${last}` : ""}` : `is not listening on port ${spec.port} after ${this.startTimeoutMs / 1000}s`;
        this.emit({
          event: "warning",
          message: `replica ${spec.name} (${JSON.stringify(spec.command)}) ${why}; it must listen on $PORT. It is restarted with backoff, and health checks keep it out of rotation until it answers`,
        });
      }),
    );
  }

  private async stopReplica(key: string): Promise<void> {
    const r = this.replicas.get(key);
    if (!r) return;
    this.replicas.delete(key);
    await r.proc.stop(this.graceMs);
  }

  // ── reporting ──────────────────────────────────────────────────────────────

  private get specName(): string {
    return this.options.specName ?? this.options.specFile;
  }

  private validate(): Promise<ValidationResult> {
    return validateTopologyFile(this.options.specFile, { filename: this.specName });
  }

  /** "file:line:col" of a fleet's key, for errors about that fleet. */
  private fleetLocator(validated: ValidationResult): (fleet: string) => string | undefined {
    return (fleet) => {
      const range = validated.spec.locate(["fleets", fleet], "key");
      return range ? `${this.specName}:${range.start.line}:${range.start.col}` : undefined;
    };
  }

  private emit(e: DevEvent): void {
    this.options.report(e);
  }

  private once(key: string, kind: "notice" | "warning", message: string): void {
    if (this.saidOnce.has(key)) return;
    this.saidOnce.add(key);
    this.emit({ event: kind, message });
  }

  private reportWarnings(diagnostics: readonly Diagnostic[]): void {
    for (const d of diagnostics) {
      if (d.severity === "warning") this.emit({ event: "warning", message: `${location(d)}: ${d.message}${d.suggestion ? ` (${d.suggestion})` : ""}` });
    }
  }

  /** A certificate from the local CA, when an https listener needs one (issued again as the spec's hosts change). */
  private async localCertificate(topology: Topology): Promise<CertificateConfig | undefined> {
    if (!needsDevCertificate(topology)) return undefined;
    const ca = await ensureLocalCa(edgeformDataDir(this.options.env));
    this.once("local-ca", "notice", `HTTPS is served with edgeform's local CA${ca.created ? " (created now)" : ""}; trust it with: export NODE_EXTRA_CA_CERTS=${ca.certFile} (curl: --cacert ${ca.certFile})`);
    return issueDevCertificate(ca.authority, devCertificateNames(topology), join(this.stateDir, "tls"));
  }

  private emitReady(): void {
    this.emit({ event: "ready", ...this.summary() });
  }

  /** Where everything listens now (the ready event; the live view's header). */
  summary(): Omit<Extract<DevEvent, { event: "ready" }>, "event"> {
    const config = this.plan?.proxyConfig;
    return {
      name: this.plan?.name ?? "",
      listeners: (config?.listeners ?? []).map((l) => ({ name: l.name, protocol: l.protocol, port: l.port, url: `${l.protocol === "http" && l.tls ? "https" : l.protocol}://${LOOPBACK}:${l.port}` })),
      admin: `http://${LOOPBACK}:${this.adminPort}`,
      examples: this.plan ? exampleRequests(this.plan, LOOPBACK) : [],
      ...(this.adminToken ? { purge: purgeCommand(`http://${LOOPBACK}:${this.adminPort}`, this.adminToken, LOOPBACK) } : {}),
      replicas: [...this.replicas.values()].map((r) => ({ name: r.spec.name, port: r.spec.port, ...(r.proc.pid !== undefined ? { pid: r.proc.pid } : {}) })),
      redis: this.redis?.list() ?? [],
      ...(this.prometheus?.process && this.prometheusPort !== undefined ? { prometheus: `http://${LOOPBACK}:${this.prometheusPort}` } : {}),
      ...(this.alertmanager?.process && this.alertmanagerPort !== undefined ? { alertmanager: `http://${LOOPBACK}:${this.alertmanagerPort}` } : {}),
      pids: this.pids(),
    };
  }
}

/** Dev always protects the admin endpoints: a spec without a token gets one for this run. */
export function withDevAdminToken(topology: Topology): Topology {
  if (topology.edge.admin?.token) return topology;
  return { ...topology, edge: { ...topology.edge, admin: { ...topology.edge.admin, token: { secret: DEV_ADMIN_SECRET } } } };
}

function firstHttpListener(topology: Topology): string | undefined {
  return (topology.edge.listeners.find((l) => l.protocol === "http") ?? topology.edge.listeners[0])?.name;
}
