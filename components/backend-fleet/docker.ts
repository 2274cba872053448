/**
 * A fleet on Docker: one container per replica on the topology's network.
 * Every replica carries the fleet's network alias (plan: fleet.serviceHost),
 * so the edge resolves one name to all of them and balances across them.
 */
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import type { PlannedFleet } from "../../src/plan/types.js";
import { fleetHealthShell, goDuration } from "../shared/health.js";
import { dockerEnv, type SecretValues } from "../shared/secrets.js";
import { dockerLabels, type Tags } from "../shared/tags.js";

export interface DockerFleetArgs {
  /** Name of the Docker network the edge proxy is on. */
  readonly network: pulumi.Input<string>;
}

export interface DockerFleetResources {
  readonly image: docker.RemoteImage;
  readonly containers: docker.Container[];
}

export function dockerFleet(
  name: string,
  fleet: PlannedFleet,
  args: DockerFleetArgs,
  secrets: SecretValues,
  tags: Tags | undefined,
  parent: pulumi.Resource,
): DockerFleetResources {
  const image = new docker.RemoteImage(`${name}-image`, { name: fleet.image!, keepLocally: true }, { parent });
  const check = fleet.healthCheck!;
  const containers = fleet.replicaNames.map((replica, i) => {
    const plain: Record<string, string> = { PORT: String(fleet.port), EDGEFORM_FLEET: fleet.name, EDGEFORM_REPLICA: replica };
    const secret: Record<string, pulumi.Input<string>> = {};
    for (const [key, value] of Object.entries(fleet.env)) {
      if (value.secret !== undefined) secret[key] = secrets[value.secret]!;
      else plain[key] = value.value ?? "";
    }
    return new docker.Container(`${name}-${i}`, {
      name: replica,
      image: image.imageId,
      ...(fleet.command ? { command: fleet.command } : {}),
      envs: dockerEnv(plain, secret),
      networksAdvanced: [{ name: args.network, aliases: [fleet.serviceHost!] }],
      healthcheck: {
        tests: ["CMD-SHELL", fleetHealthShell(check, fleet.port!)],
        interval: goDuration(check.intervalMs),
        timeout: goDuration(check.timeoutMs),
        retries: check.unhealthyThreshold,
        startPeriod: "5s",
      },
      restart: "unless-stopped",
      labels: dockerLabels(tags, { "edgeform.role": "fleet", "edgeform.fleet": fleet.name }),
    }, { parent });
  });
  return { image, containers };
}
