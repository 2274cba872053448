/**
 * Alertmanager on Docker: a container with the generated alertmanager.yml
 * and one uploaded file per secret it reads, each file's content a Pulumi
 * secret (encrypted in state, [secret] in previews). Prometheus reaches it by
 * container name on the topology's network; its UI is published on
 * 127.0.0.1 only (Alertmanager has no authentication).
 */
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import { AlertmanagerFiles } from "../../src/plan/monitoring/files.js";
import type { PlannedAlertmanager } from "../../src/plan/types.js";
import { commonContainerArgs, fixedNameOptions } from "../shared/docker-container.js";
import { secretOutput } from "../shared/secrets.js";
import { dockerLabels, type Tags } from "../shared/tags.js";

/** The server's command line inside its container (the image's own defaults point elsewhere). */
export function alertmanagerServerArgs(am: PlannedAlertmanager): string[] {
  return [
    `--config.file=${AlertmanagerFiles.config}`,
    `--storage.path=${AlertmanagerFiles.dataDir}`,
    `--web.listen-address=:${am.port}`,
    // One instance per topology: no gossip port, no peers to look for.
    "--cluster.listen-address=",
  ];
}

/** What each secret file holds (Monitoring has checked that every secret was given). */
function secretFileContents(am: PlannedAlertmanager, secrets: Readonly<Record<string, pulumi.Input<string>>>): Array<{ file: string; content: pulumi.Output<string> }> {
  return am.secretFiles.map(({ secret, path }) => ({ file: path, content: secretOutput(secrets[secret]!) }));
}

export function dockerAlertmanager(
  name: string,
  am: PlannedAlertmanager,
  where: { readonly network: pulumi.Input<string>; readonly waitTimeoutSeconds?: number },
  secrets: Readonly<Record<string, pulumi.Input<string>>>,
  tags: Tags | undefined,
  parent: pulumi.Resource,
): { container: docker.Container; url: string } {
  const image = new docker.RemoteImage(`${name}-alertmanager-image`, { name: am.image!, keepLocally: true }, { parent });
  const container = new docker.Container(`${name}-alertmanager`, {
    name: am.resourceName,
    image: image.imageId,
    command: alertmanagerServerArgs(am),
    uploads: [{ file: AlertmanagerFiles.config, content: am.configYaml }, ...secretFileContents(am, secrets)],
    ports: [{ internal: am.port, external: am.port, ip: "127.0.0.1", protocol: "tcp" }],
    networksAdvanced: [{ name: where.network, aliases: [am.resourceName] }],
    // No health check (the image has no HTTP client to probe with), so `up` cannot wait for healthy.
    ...commonContainerArgs(where.waitTimeoutSeconds ?? 120),
    wait: false,
    labels: dockerLabels(tags, { "edgeform.role": "alertmanager" }),
  }, fixedNameOptions(parent));
  return { container, url: `http://localhost:${am.port}` };
}
