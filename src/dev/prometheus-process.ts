/**
 * Prometheus next to the topology, with the same generated prometheus.yml and
 * alert rules as the Docker and AWS targets (rule_files pointed at the copy
 * dev writes), on a loopback port with storage in dev's state directory.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { PlannedMonitoring } from "../plan/types.js";
import type { Spawn, SupervisedProcess } from "./process.js";
import { prometheusArgs, prometheusConfigForDev } from "./services.js";

export class PrometheusProcess {
  private proc: SupervisedProcess | undefined;
  private files = "";

  constructor(private readonly o: { binary: string; stateDir: string; port: number; spawn: Spawn; graceMs: number; note: (message: string) => void }) {}

  get process(): SupervisedProcess | undefined {
    return this.proc;
  }

  /** Start it, or make it re-read changed files (SIGHUP); stop it when the plan has none. */
  async apply(prom: PlannedMonitoring["prometheus"]): Promise<void> {
    if (!prom) return this.stop();
    if (prom.configYaml.trim() === "") {
      this.o.note("the plan has no Prometheus config: Prometheus is not started");
      return;
    }
    const dir = join(this.o.stateDir, "prometheus");
    await mkdir(join(dir, "data"), { recursive: true });
    const { config, rulesFile } = prometheusConfigForDev(prom.configYaml, prom.rulesYaml, dir);
    if (rulesFile) await writeFile(rulesFile, prom.rulesYaml);
    const configFile = join(dir, "prometheus.yml");
    await writeFile(configFile, config);
    const files = config + prom.rulesYaml;
    if (this.proc) {
      if (files !== this.files) this.proc.signal("SIGHUP");
      this.files = files;
      return;
    }
    this.files = files;
    this.proc = this.o.spawn(
      "prometheus",
      {
        name: "prometheus",
        command: { file: this.o.binary, args: prometheusArgs({ configFile, storageDir: join(dir, "data"), port: this.o.port, retentionMs: prom.retentionMs }) },
        cwd: dir,
        env: {},
        restart: true,
        terminate: "group",
      },
      { port: this.o.port },
    );
  }

  async stop(): Promise<void> {
    const proc = this.proc;
    this.proc = undefined;
    await proc?.stop(this.o.graceMs);
  }
}
