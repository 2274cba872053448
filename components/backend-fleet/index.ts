/**
 * BackendFleet: the replicas of one provisioned fleet, on Docker (a container
 * per replica sharing a network alias) or on AWS (an ECS Fargate service with
 * Cloud Map discovery). Either way the edge finds every replica through one
 * DNS name, `serviceHost`.
 */
import * as pulumi from "@pulumi/pulumi";
import type { PlannedFleet } from "../../src/plan/types.js";
import { argsError, oneProvider, requireSecrets } from "../shared/args.js";
import { fargateSizeProblem } from "../../src/plan/aws-sizes.js";
import type { SecretValues } from "../shared/secrets.js";
import type { Tags } from "../shared/tags.js";
import { awsFleet, type AwsFleetArgs, type AwsFleetResources } from "./aws.js";
import { dockerFleet, type DockerFleetArgs, type DockerFleetResources } from "./docker.js";

export interface BackendFleetArgs {
  /** The fleet as planned for this target (plan.fleets[i]); it must have an image. */
  readonly fleet: PlannedFleet;
  /** Docker: values of the secrets the fleet's env references, by secret name. */
  readonly secrets?: SecretValues;
  /** Tags on every taggable child (labels on Docker containers). */
  readonly tags?: Tags;
  /** Run the replicas as containers on this Docker network. */
  readonly docker?: DockerFleetArgs;
  /** Run the replicas as an ECS Fargate service. */
  readonly aws?: AwsFleetArgs;
}

export class BackendFleet extends pulumi.ComponentResource {
  /** DNS name that resolves to every replica (Docker network alias or Cloud Map name). */
  readonly serviceHost: string;
  readonly port: number;
  readonly docker: DockerFleetResources | undefined;
  readonly aws: AwsFleetResources | undefined;

  constructor(name: string, args: BackendFleetArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("edgeform:components:BackendFleet", name, {}, opts);
    const where = oneProvider("BackendFleet", name, args);
    const fleet = args.fleet;
    if (fleet.kind !== "provisioned" || fleet.image === undefined || fleet.port === undefined) {
      throw argsError("BackendFleet", name, `fleet "${fleet.name}" lists existing endpoints instead of an image, so there is nothing to provision`);
    }
    if (fleet.serviceHost === undefined) {
      throw argsError("BackendFleet", name, `fleet "${fleet.name}" was planned for \`edgeform dev\`; plan it for a docker or aws target`);
    }
    const secretNames = Object.values(fleet.env).flatMap((v) => (v.secret === undefined ? [] : [v.secret]));
    if (where.docker) requireSecrets("BackendFleet", name, secretNames, args.secrets, "a value");
    if (where.aws) {
      requireSecrets("BackendFleet", name, secretNames, where.aws.placement.secretArns, "a Secrets Manager ARN (placement.secretArns)");
      const size = fargateSizeProblem(fleet.resources.cpu, fleet.resources.memoryMiB);
      if (size) throw argsError("BackendFleet", name, `fleet "${fleet.name}": ${size}`, "change resources.cpu / resources.memory in the spec");
      if (fleet.autoscaling && fleet.autoscaling.min > fleet.autoscaling.max) {
        throw argsError("BackendFleet", name, `fleet "${fleet.name}" has autoscaling.min ${fleet.autoscaling.min} above autoscaling.max ${fleet.autoscaling.max}`);
      }
    }

    this.serviceHost = fleet.serviceHost;
    this.port = fleet.port;
    this.docker = where.docker ? dockerFleet(name, fleet, where.docker, args.secrets ?? {}, args.tags, this) : undefined;
    this.aws = where.aws ? awsFleet(name, fleet, where.aws, args.tags, this) : undefined;
    this.registerOutputs({ serviceHost: this.serviceHost, port: this.port });
  }
}

export type { AwsFleetArgs, AwsFleetResources, DockerFleetArgs, DockerFleetResources };
