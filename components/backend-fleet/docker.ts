/**
 * A fleet on Docker: one container per replica on the topology's network.
 * Every replica carries the fleet's network alias (plan: fleet.serviceHost),
 * so the edge resolves one name to all of them and balances across them.
 * Replicas are replaced one at a time (each waits for the previous to be
 * healthy), so a changed fleet keeps serving while it rolls.
 */
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import type { PlannedFleet } from "../../src/plan/types.js";
import { commonContainerArgs, fixedNameOptions, resourceLimits } from "../shared/docker-container.js";
import { buildPackageImage } from "../shared/docker-image.js";
import { fleetHealthShell, goDuration } from "../shared/health.js";
import { isDemoOriginImage } from "../shared/paths.js";
import { dockerEnv, type SecretValues } from "../shared/secrets.js";
import { dockerLabels, type Tags } from "../shared/tags.js";

/** The least time a container health probe gets: starting node for it can take seconds on a busy host. */
export const CONTAINER_PROBE_MIN_TIMEOUT_MS = 5000;

export interface DockerFleetArgs {
  /** Name of the Docker network the edge proxy is on. */
  readonly network: pulumi.Input<string>;
  /** How long `up` waits for each replica to turn healthy (default 120 s). */
  readonly waitTimeoutSeconds?: number;
  /** BASE_IMAGE when the stack builds the demo origin image (default a public node:22 slim image). */
  readonly baseImage?: string;
  /** The demo origin image already built for another fleet (CdnTopology builds it once for all). */
  readonly demoOriginImage?: docker.Image;
}

export interface DockerFleetResources {
  /** The pulled image, or the demo origin built here. */
  readonly image: docker.RemoteImage | docker.Image;
  readonly containers: docker.Container[];
}

/** The demo origin image, built from images/demo-origin.Dockerfile under the name the spec gives it. */
export function buildDemoOriginImage(name: string, imageName: string, baseImage: string | undefined, parent: pulumi.Resource): docker.Image {
  return buildPackageImage(name, { dockerfile: "demo-origin.Dockerfile", imageName, baseImage }, parent);
}

export function dockerFleet(
  name: string,
  fleet: PlannedFleet,
  args: DockerFleetArgs,
  secrets: SecretValues,
  tags: Tags | undefined,
  parent: pulumi.Resource,
): DockerFleetResources {
  let image: docker.RemoteImage | docker.Image;
  let imageRef: pulumi.Output<string>;
  if (isDemoOriginImage(fleet.image!)) {
    const built = args.demoOriginImage ?? buildDemoOriginImage(`${name}-image`, fleet.image!, args.baseImage, parent);
    image = built;
    imageRef = built.repoDigest;
  } else {
    const remote = new docker.RemoteImage(`${name}-image`, { name: fleet.image!, keepLocally: true }, { parent });
    image = remote;
    imageRef = remote.imageId;
  }
  const check = fleet.healthCheck!;
  const containers: docker.Container[] = [];
  fleet.replicaNames.forEach((replica, i) => {
    const plain: Record<string, string> = { PORT: String(fleet.port), EDGEFORM_FLEET: fleet.name, EDGEFORM_REPLICA: replica };
    const secret: Record<string, pulumi.Input<string>> = {};
    for (const [key, value] of Object.entries(fleet.env)) {
      if (value.secret !== undefined) secret[key] = secrets[value.secret]!;
      else plain[key] = value.value ?? "";
    }
    containers.push(new docker.Container(`${name}-${i}`, {
      name: replica,
      image: imageRef,
      ...(fleet.command ? { command: fleet.command } : {}),
      envs: dockerEnv(plain, secret),
      networksAdvanced: [{ name: args.network, aliases: [fleet.serviceHost!] }],
      healthcheck: {
        tests: ["CMD-SHELL", fleetHealthShell(check, fleet.port!)],
        interval: goDuration(check.intervalMs),
        // The spec's timeout is for the proxy's probes; this one may have to start `node` to probe, so it gets a floor.
        timeout: goDuration(Math.max(check.timeoutMs, CONTAINER_PROBE_MIN_TIMEOUT_MS)),
        retries: check.unhealthyThreshold,
        startPeriod: "5s",
      },
      ...resourceLimits(fleet.resources),
      ...commonContainerArgs(args.waitTimeoutSeconds ?? 120),
      labels: dockerLabels(tags, { "edgeform.role": "fleet", "edgeform.fleet": fleet.name }),
    }, fixedNameOptions(parent, containers[i - 1])));
  });
  return { image, containers };
}
