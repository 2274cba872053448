/**
 * ECS building blocks shared by the fleet, edge and monitoring tasks: the
 * placement every task needs, container definitions as the ECS API spells
 * them, Fargate's CPU/memory pairs, and the config-writer init container that
 * delivers generated files into a task (Fargate has no file uploads).
 */
import * as pulumi from "@pulumi/pulumi";

/** Where ECS tasks of a topology run; AwsFoundation provides it. */
export interface EcsPlacement {
  readonly region: string;
  readonly clusterArn: pulumi.Input<string>;
  readonly vpcId: pulumi.Input<string>;
  /** Tasks run in private subnets; only load balancers sit in public ones. */
  readonly privateSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** Cloud Map private DNS namespace `<topology>.local`. */
  readonly namespaceId: pulumi.Input<string>;
  readonly executionRoleArn: pulumi.Input<string>;
  readonly logGroupName: pulumi.Input<string>;
  /** Secret name → Secrets Manager ARN; tasks read secrets through ECS `secrets`, never plain env. */
  readonly secretArns: Readonly<Record<string, pulumi.Input<string>>>;
}

export interface ContainerDefinition {
  name: string;
  image: pulumi.Input<string>;
  essential: boolean;
  /** Run as this user (e.g. "0" for the config writer, which writes into root-owned task volumes). */
  user?: string;
  command?: string[];
  entryPoint?: string[];
  environment?: Array<{ name: string; value: pulumi.Input<string> }>;
  secrets?: Array<{ name: string; valueFrom: pulumi.Input<string> }>;
  portMappings?: Array<{ containerPort: number; protocol: "tcp" }>;
  healthCheck?: { command: string[]; interval: number; timeout: number; retries: number; startPeriod: number };
  dependsOn?: Array<{ containerName: string; condition: "START" | "COMPLETE" | "SUCCESS" | "HEALTHY" }>;
  mountPoints?: Array<{ sourceVolume: string; containerPath: string; readOnly: boolean }>;
  logConfiguration: { logDriver: "awslogs"; options: Record<string, pulumi.Input<string>> };
}

export function awsLogs(placement: EcsPlacement, streamPrefix: string): ContainerDefinition["logConfiguration"] {
  return {
    logDriver: "awslogs",
    options: { "awslogs-group": placement.logGroupName, "awslogs-region": placement.region, "awslogs-stream-prefix": streamPrefix },
  };
}

/** The task definition's JSON; container definitions carry secret ARNs, never secret values. */
export function containerDefinitionsJson(defs: ContainerDefinition[]): pulumi.Output<string> {
  return pulumi.jsonStringify(pulumi.output(defs));
}

/** Fargate's valid CPU units → memory (MiB) range and step. */
const FARGATE_MEMORY: Record<number, { min: number; max: number; step: number }> = {
  256: { min: 512, max: 2048, step: 512 },
  512: { min: 1024, max: 4096, step: 1024 },
  1024: { min: 2048, max: 8192, step: 1024 },
  2048: { min: 4096, max: 16384, step: 1024 },
  4096: { min: 8192, max: 30720, step: 1024 },
};

/** Why Fargate cannot run this size, or undefined when it can. */
export function fargateSizeProblem(cpu: number, memoryMiB: number): string | undefined {
  const range = FARGATE_MEMORY[cpu];
  if (!range) return `Fargate has no ${cpu} CPU size (use 256, 512, 1024, 2048 or 4096)`;
  // 0.25 vCPU is the one size whose memory steps are not uniform.
  const ok = cpu === 256 ? [512, 1024, 2048].includes(memoryMiB) : memoryMiB >= range.min && memoryMiB <= range.max && memoryMiB % range.step === 0;
  if (ok) return undefined;
  const options = cpu === 256 ? "512, 1024 or 2048" : `${range.min}-${range.max} in steps of ${range.step}`;
  return `Fargate runs ${cpu} CPU units with ${options} MiB of memory, not ${memoryMiB}`;
}

/**
 * An init container that writes generated files (proxy config, prometheus.yml,
 * Grafana provisioning) into task volumes, then exits; the main container
 * starts after it succeeded and mounts the same volumes. It runs the edge
 * image, which always has node, so it needs no shell.
 */
export function configWriter(image: pulumi.Input<string>, files: Record<string, pulumi.Input<string>>, logs: ContainerDefinition["logConfiguration"], options: { readOnlyMounts?: boolean } = {}) {
  const dirs = [...new Set(Object.keys(files).map(dirOf))].sort();
  const volumes = dirs.map((_, i) => ({ name: `config-${i}` }));
  const mounts = (readOnly: boolean) => dirs.map((dir, i) => ({ sourceVolume: `config-${i}`, containerPath: dir, readOnly }));
  const script =
    "const fs=require('fs'),path=require('path');" +
    "const files=JSON.parse(Buffer.from(process.env.EDGEFORM_FILES_B64,'base64').toString('utf8'));" +
    "for(const [f,c] of Object.entries(files)){fs.mkdirSync(path.dirname(f),{recursive:true});fs.writeFileSync(f,c,{mode:0o644});}";
  const container: ContainerDefinition = {
    name: "config",
    image,
    essential: false,
    user: "0",
    entryPoint: ["node", "-e", script],
    environment: [{ name: "EDGEFORM_FILES_B64", value: pulumi.output(files).apply((f) => Buffer.from(JSON.stringify(f), "utf8").toString("base64")) }],
    mountPoints: mounts(false),
    logConfiguration: logs,
  };
  return {
    container,
    volumes,
    /** Mount points for the container that reads the files. */
    readerMounts: mounts(options.readOnlyMounts ?? true),
    /** dependsOn entry: start only after the files are written. */
    dependency: { containerName: "config", condition: "SUCCESS" as const },
  };
}

function dirOf(file: string): string {
  return file.slice(0, file.lastIndexOf("/")) || "/";
}
