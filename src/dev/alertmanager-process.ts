/**
 * Alertmanager next to Prometheus in `edgeform dev`, with the plan's
 * generated alertmanager.yml. It runs in its own directory under dev's state
 * directory: the config names each secret's file relative to it
 * (`secrets/<name>`), and dev writes those files (mode 0600) from the
 * environment (EDGEFORM_SECRET_<NAME>), so no secret enters the config or a
 * command line.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { PlannedAlertmanager } from "../plan/types.js";
import type { Spawn, SupervisedProcess } from "./process.js";
import { ReloadableService } from "./reloadable-service.js";
import { writeSecretFiles } from "./secret-files.js";

/** Debian's prometheus-alertmanager installs the binary as `prometheus-alertmanager`; upstream calls it `alertmanager`. */
export const ALERTMANAGER_BINARIES = ["alertmanager", "prometheus-alertmanager"] as const;

export function alertmanagerArgs(port: number): string[] {
  return [
    "--config.file=alertmanager.yml",
    "--storage.path=data",
    `--web.listen-address=127.0.0.1:${port}`,
    // One instance: no gossip port to bind or peers to look for.
    "--cluster.listen-address=",
    "--log.level=warn",
  ];
}

export class AlertmanagerProcess {
  private readonly service: ReloadableService;

  constructor(private readonly o: {
    binary: string;
    stateDir: string;
    port: number;
    env: Readonly<Record<string, string | undefined>>;
    spawn: Spawn;
    graceMs: number;
    warn: (key: string, message: string) => void;
  }) {
    this.service = new ReloadableService(o.graceMs);
  }

  get process(): SupervisedProcess | undefined {
    return this.service.process;
  }

  /** Start it, or make it re-read changed files (SIGHUP); stop it when the plan has none. */
  async apply(am: PlannedAlertmanager | undefined): Promise<void> {
    if (!am) return this.stop();
    const dir = join(this.o.stateDir, "alertmanager");
    await mkdir(join(dir, "data"), { recursive: true });
    const secrets = await writeSecretFiles(dir, am.secretFiles, this.o.env, (secret, variable) => {
      this.o.warn(`alertmanager-secret:${secret}`, `secret "${secret}" is not set: export ${variable} so Alertmanager can deliver to the receivers that use it`);
    });
    await writeFile(join(dir, "alertmanager.yml"), am.configYaml);
    this.service.run(am.configYaml + secrets.join("\n"), () => this.o.spawn(
      "alertmanager",
      { name: "alertmanager", command: { file: this.o.binary, args: alertmanagerArgs(this.o.port) }, cwd: dir, env: {}, restart: true, terminate: "group" },
      { port: this.o.port },
    ));
  }

  stop(): Promise<void> {
    return this.service.stop();
  }
}
