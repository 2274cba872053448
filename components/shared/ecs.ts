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
  /** The deploying account, for aws:SourceAccount conditions in task roles' trust policies. */
  readonly accountId?: pulumi.Input<string>;
  /** Name of the Cloud Map namespace (the edge's task role may discover instances in it only). */
  readonly namespaceName?: string;
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
  const container = nodeInitContainer("config", image, script, logs, {
    environment: [{ name: "EDGEFORM_FILES_B64", value: pulumi.output(files).apply((f) => Buffer.from(JSON.stringify(f), "utf8").toString("base64")) }],
    mountPoints: mounts(false),
  });
  return {
    container,
    volumes,
    /** Mount points for the container that reads the files. */
    readerMounts: mounts(options.readOnlyMounts ?? true),
    /** dependsOn entry: start only after the files are written. */
    dependency: { containerName: "config", condition: "SUCCESS" as const },
  };
}

/** An init container running one node script as root (it writes into root-owned task volumes), then exiting. */
function nodeInitContainer(
  name: string,
  image: pulumi.Input<string>,
  script: string,
  logs: ContainerDefinition["logConfiguration"],
  io: Pick<ContainerDefinition, "environment" | "secrets" | "mountPoints">,
): ContainerDefinition {
  return { name, image, essential: false, user: "0", entryPoint: ["node", "-e", script], ...io, logConfiguration: logs };
}

function dirOf(file: string): string {
  return file.slice(0, file.lastIndexOf("/")) || "/";
}

/**
 * An init container that writes secrets (from ECS `secrets`, read by ARN) into
 * files of one task volume, mode 0400 and owned by the reading container's
 * user, so configs name files (`*_file`, `credentials_file`) and no secret
 * value is in a config, an environment of the main container or the task
 * definition. The main container mounts the volume read-only after it succeeded.
 */
export function secretFilesWriter(
  image: pulumi.Input<string>,
  spec: { volume: string; dir: string; files: ReadonlyArray<{ secret: string; path: string }>; owner: number },
  placement: EcsPlacement,
  logs: ContainerDefinition["logConfiguration"],
) {
  const envs = Object.fromEntries(spec.files.map((f, i) => [`EDGEFORM_SECRET_FILE_${i}`, f.path]));
  const script =
    "const fs=require('fs');" +
    `const files=${JSON.stringify(envs)};` +
    `fs.mkdirSync(${JSON.stringify(spec.dir)},{recursive:true,mode:0o700});` +
    `for(const [env,f] of Object.entries(files)){fs.writeFileSync(f,process.env[env]??'',{mode:0o400});fs.chownSync(f,${spec.owner},${spec.owner});}` +
    `fs.chownSync(${JSON.stringify(spec.dir)},${spec.owner},${spec.owner});`;
  const container = nodeInitContainer("secrets", image, script, logs, {
    secrets: spec.files.map((f, i) => ({ name: `EDGEFORM_SECRET_FILE_${i}`, valueFrom: placement.secretArns[f.secret]! })),
    mountPoints: [{ sourceVolume: spec.volume, containerPath: spec.dir, readOnly: false }],
  });
  return {
    container,
    volume: { name: spec.volume },
    readerMount: { sourceVolume: spec.volume, containerPath: spec.dir, readOnly: true },
    dependency: { containerName: "secrets", condition: "SUCCESS" as const },
  };
}
