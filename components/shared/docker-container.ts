/**
 * What every container edgeform runs on Docker shares: rotated json-file
 * logs, a restart policy, `up` waiting until the container is healthy, and
 * replacement that deletes the old container first — each container has a
 * fixed name (and often a fixed host port), so the provider's default
 * create-before-delete would fail with "name in use" / "port is already allocated".
 */
import type * as pulumi from "@pulumi/pulumi";
import type * as docker from "@pulumi/docker";
import { Defaults } from "../../src/plan/defaults.js";
import type { DeploymentPlan } from "../../src/plan/types.js";
import { ms } from "../../src/spec/units.js";

/** json-file logs capped at 3 × 10 MB per container, so a chatty service cannot fill the disk. */
export const DOCKER_LOG_ROTATION = { logDriver: "json-file", logOpts: { "max-size": "10m", "max-file": "3" } } as const;

/** Seconds a container gets to finish in-flight work after SIGTERM before it is killed on delete. */
export const STOP_GRACE_SECONDS = 10;

/** How long `up` waits for a container to turn healthy: the target's healthTimeout, else the default. */
export function healthTimeoutSeconds(plan: DeploymentPlan): number {
  const spec = plan.target.provider === "docker" ? plan.target.spec.healthTimeout : undefined;
  return Math.ceil(ms(spec ?? Defaults.dockerHealthTimeout) / 1000);
}

/** Container inputs every edgeform container carries; `wait` makes `up` fail if it never turns healthy. */
export function commonContainerArgs(waitTimeoutSeconds: number) {
  return {
    restart: "unless-stopped",
    wait: true,
    waitTimeout: waitTimeoutSeconds,
    destroyGraceSeconds: STOP_GRACE_SECONDS,
    ...DOCKER_LOG_ROTATION,
  } satisfies Partial<docker.ContainerArgs>;
}

/**
 * Resource options for a fixed-name container: delete before replace, and
 * (for replicas) wait for the previous replica, so a change replaces one
 * replica at a time while the others keep serving.
 */
export function fixedNameOptions(parent: pulumi.Resource, previous?: pulumi.Resource, dependsOn: pulumi.Resource[] = []): pulumi.CustomResourceOptions {
  const deps = previous ? [...dependsOn, previous] : dependsOn;
  return { parent, deleteBeforeReplace: true, ...(deps.length ? { dependsOn: deps } : {}) };
}

/** The spec's fleet resources (CPU units of 1/1024 vCPU, MiB) as Docker limits. */
export function resourceLimits(resources: { cpu: number; memoryMiB: number }) {
  return { cpus: String(Number((resources.cpu / 1024).toFixed(3))), memory: resources.memoryMiB };
}
