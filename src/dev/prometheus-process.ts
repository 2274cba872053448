/**
 * Prometheus next to the topology, with the same generated prometheus.yml and
 * alert rules as the Docker and AWS targets (rule_files pointed at the copy
 * dev writes), on a loopback port with storage in dev's state directory.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { PlannedMonitoring } from "../plan/types.js";
import type { Spawn, SupervisedProcess } from "./process.js";
import { ReloadableService } from "./reloadable-service.js";
import { writeSecretFiles } from "./secret-files.js";
import { prometheusArgs, prometheusConfigForDev } from "./services.js";

export class PrometheusProcess {
  private readonly service: ReloadableService;

  constructor(private readonly o: {
    binary: string; stateDir: string; port: number; env: NodeJS.ProcessEnv; spawn: Spawn; graceMs: number;
    note: (message: string) => void;
    warn: (key: string, message: string) => void;
  }) {
    this.service = new ReloadableService(o.graceMs);
  }

  get process(): SupervisedProcess | undefined {
    return this.service.process;
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
    // The edge's /metrics token: without it every scrape is refused (401) and no edge alert can fire.
    const secrets = await writeSecretFiles(dir, prom.secretFiles, this.o.env, (secret, variable) => {
      this.o.warn(`prometheus-secret:${secret}`, `secret "${secret}" is not set: export ${variable} so Prometheus can scrape the edge's /metrics`);
    });
    const configFile = join(dir, "prometheus.yml");
    await writeFile(configFile, config);
    this.service.run(config + prom.rulesYaml + secrets.join("\n"), () => this.o.spawn(
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
    ));
  }

  stop(): Promise<void> {
    return this.service.stop();
  }
}
