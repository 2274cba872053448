/**
 * The edge tier on Docker: N proxy containers on the topology's network, each
 * with the generated runtime config uploaded to /etc/edgeform/proxy.json and
 * its listeners published on the host (replica i → publishedPorts[i]).
 */
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import type { DeploymentPlan } from "../../src/plan/types.js";
import { nodeHttpProbe } from "../shared/health.js";
import { PROXY_COMMAND, PROXY_CONFIG_PATH } from "../shared/paths.js";
import { dockerEnv, type SecretValues } from "../shared/secrets.js";
import { dockerLabels, type Tags } from "../shared/tags.js";
import { buildEdgeImage } from "./image.js";

export interface DockerEdgeArgs {
  readonly network: pulumi.Input<string>;
}

export interface DockerEdgeResources {
  /** The built image, or the pulled override. */
  readonly image: docker.Image | docker.RemoteImage;
  readonly containers: docker.Container[];
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
  const secretEnv = Object.fromEntries(Object.entries(edge.secretEnv).map(([env, secret]) => [env, secrets[secret]!]));
  const containers = edge.replicaNames.map((replica, i) => new docker.Container(`${name}-${i}`, {
    name: replica,
    image: imageRef,
    command: PROXY_COMMAND,
    uploads: [{ file: PROXY_CONFIG_PATH, content: config }],
    envs: dockerEnv({ EDGEFORM_REPLICA: replica }, secretEnv),
    ports: edge.listeners.map((l) => ({ internal: l.port, external: l.publishedPorts[i]!, protocol: "tcp" })),
    networksAdvanced: [{ name: args.network, aliases: [edge.resourceName] }],
    healthcheck: {
      tests: ["CMD", "node", "-e", nodeHttpProbe(edge.adminPort, "/readyz")],
      interval: "5s",
      timeout: "2s",
      retries: 3,
      startPeriod: "5s",
    },
    restart: "unless-stopped",
    labels: dockerLabels(tags, { "edgeform.role": "edge" }),
  }, { parent }));
  return { image, containers, imageRef };
}

/** One URL per listener and replica, as published on this host. */
export function dockerPublicUrls(plan: DeploymentPlan): string[] {
  return plan.edge.listeners.flatMap((l) => l.publishedPorts.map((p) => `${l.protocol === "http" ? "http" : "tcp"}://localhost:${p}`));
}
