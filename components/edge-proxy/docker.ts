/**
 * The edge tier on Docker: N proxy containers on the topology's network, each
 * with the generated runtime config uploaded to /etc/edgeform/proxy.json (and
 * its certificates and keys under /etc/edgeform/tls, docker-tls.ts) and
 * its listeners published on the host (replica i → publishedPorts[i]), on
 * 127.0.0.1 unless the target's publishAddress says otherwise. A change that
 * replaces the containers rolls through them one at a time: replica i is
 * deleted (draining for STOP_GRACE_SECONDS) and recreated only after replica
 * i-1 is healthy again, so a topology with two replicas keeps serving.
 */
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import type { DeploymentPlan } from "../../src/plan/types.js";
import { commonContainerArgs, fixedNameOptions } from "../shared/docker-container.js";
import { nodeHttpProbe } from "../shared/health.js";
import { PROXY_COMMAND, PROXY_CONFIG_PATH } from "../shared/paths.js";
import { dockerEnv, type SecretValues } from "../shared/secrets.js";
import { dockerLabels, type Tags } from "../shared/tags.js";
import { tlsUploads } from "./docker-tls.js";
import { buildEdgeImage } from "./image.js";

/** Where the edge's ports are published when the target does not say: this machine only. */
export const DEFAULT_PUBLISH_ADDRESS = "127.0.0.1";

export interface DockerEdgeArgs {
  readonly network: pulumi.Input<string>;
  /** The generated Redis password of each cache tier, by cache name (CacheTier.password). */
  readonly redisPasswords?: Readonly<Record<string, pulumi.Input<string>>>;
  /** How long `up` waits for each replica to turn healthy (default 120 s). */
  readonly waitTimeoutSeconds?: number;
  /** What the replicas start after (the fleets and caches they route to); the image build need not wait for them. */
  readonly startAfter?: pulumi.Resource[];
}

export interface DockerEdgeResources {
  /** The built image, or the pulled override. */
  readonly image: docker.Image | docker.RemoteImage;
  readonly containers: docker.Container[];
}

/** The host address the target publishes the edge on. */
export function publishAddress(plan: DeploymentPlan): string {
  return (plan.target.provider === "docker" ? plan.target.spec.publishAddress : undefined) ?? DEFAULT_PUBLISH_ADDRESS;
}

export function dockerEdge(
  name: string,
  plan: DeploymentPlan,
  args: DockerEdgeArgs,
  secrets: SecretValues,
  baseImage: string | undefined,
  tags: Tags | undefined,
  parent: pulumi.Resource,
): DockerEdgeResources & { imageRef: pulumi.Output<string> } {
  const edge = plan.edge;
  let image: docker.Image | docker.RemoteImage;
  let imageRef: pulumi.Output<string>;
  if (edge.image !== undefined) {
    const remote = new docker.RemoteImage(`${name}-image`, { name: edge.image, keepLocally: true }, { parent });
    image = remote;
    imageRef = remote.imageId;
  } else {
    const built = buildEdgeImage(`${name}-image`, { imageName: `${edge.resourceName}:latest`, baseImage }, parent);
    image = built;
    imageRef = built.repoDigest;
  }
  const config = JSON.stringify(plan.proxyConfig, null, 2) + "\n";
  const secretEnv: Record<string, pulumi.Input<string>> = Object.fromEntries(Object.entries(edge.secretEnv).map(([env, secret]) => [env, secrets[secret]!]));
  for (const cache of plan.proxyConfig.caches) {
    const passwordEnv = cache.redis?.passwordEnv;
    if (passwordEnv !== undefined) secretEnv[passwordEnv] = args.redisPasswords![cache.name]!;
  }
  const address = publishAddress(plan);
  const uploads = [{ file: PROXY_CONFIG_PATH, content: config }, ...tlsUploads(edge.tlsFiles, secrets)];
  const containers: docker.Container[] = [];
  edge.replicaNames.forEach((replica, i) => {
    containers.push(new docker.Container(`${name}-${i}`, {
      name: replica,
      image: imageRef,
      command: PROXY_COMMAND,
      uploads,
      envs: dockerEnv({ EDGEFORM_REPLICA: replica }, secretEnv),
      ports: edge.listeners.map((l) => ({ internal: l.port, external: l.publishedPorts[i]!, ip: address, protocol: "tcp" })),
      networksAdvanced: [{ name: args.network, aliases: [edge.resourceName] }],
      healthcheck: {
        tests: ["CMD", "node", "-e", nodeHttpProbe(edge.adminPort, "/readyz")],
        interval: "2s",
        // The probe starts node; on a busy host that alone can take seconds.
        timeout: "5s",
        retries: 3,
        startPeriod: "5s",
      },
      ...commonContainerArgs(args.waitTimeoutSeconds ?? 120),
      labels: dockerLabels(tags, { "edgeform.role": "edge" }),
    }, fixedNameOptions(parent, containers[i - 1], args.startAfter)));
  });
  return { image, containers, imageRef };
}

/** One URL per listener and replica, as published on this host. */
export function dockerPublicUrls(plan: DeploymentPlan): string[] {
  const address = publishAddress(plan);
  const host = address === "0.0.0.0" || address === "::" ? "localhost" : address.includes(":") ? `[${address}]` : address;
  return plan.edge.listeners.flatMap((l) => l.publishedPorts.map((p) => `${l.protocol === "tcp" ? "tcp" : l.tls ? "https" : "http"}://${host}:${p}`));
}
