/**
 * Where self-hosted Prometheus keeps its data on AWS: an encrypted EFS file
 * system (one mount target per private subnet), so the TSDB survives a
 * redeploy or a replaced task. Only the Prometheus tasks reach it (NFS from
 * their security group), through an access point owned by the image's user.
 */
import * as pulumi from "@pulumi/pulumi";
import * as ec2 from "@pulumi/aws/ec2/index.js";
import * as efs from "@pulumi/aws/efs/index.js";
import { PrometheusFiles } from "../../src/plan/monitoring/files.js";
import { ingressFromGroup } from "../shared/network-rules.js";
import { awsTags, type Tags } from "../shared/tags.js";

/** The prometheus image runs as nobody (65534). */
const PROMETHEUS_UID = "65534";
const NFS_PORT = 2049;

export interface PrometheusStorage {
  readonly fileSystem: efs.FileSystem;
  readonly mountTargets: efs.MountTarget[];
  /** The task definition volume and the container's mount point. */
  readonly volume: { name: string; efsVolumeConfiguration: Record<string, unknown> };
  readonly mountPoint: { sourceVolume: string; containerPath: string; readOnly: boolean };
}

export function prometheusStorage(
  name: string,
  args: { vpcId: pulumi.Input<string>; subnetIds: readonly pulumi.Input<string>[]; prometheusSecurityGroupId: pulumi.Input<string> },
  tags: Tags | undefined,
  parent: pulumi.Resource,
): PrometheusStorage {
  const child = { parent };
  const fileSystem = new efs.FileSystem(`${name}-data`, {
    encrypted: true,
    performanceMode: "generalPurpose",
    throughputMode: "elastic",
    tags: awsTags(tags, `${name}-data`),
  }, child);
  const securityGroup = new ec2.SecurityGroup(`${name}-data-sg`, {
    vpcId: args.vpcId,
    description: "prometheus data (EFS): NFS from prometheus only",
    tags: awsTags(tags, `${name}-data-sg`),
  }, child);
  ingressFromGroup(`${name}-data-nfs`, { to: securityGroup.id, from: args.prometheusSecurityGroupId, port: NFS_PORT, description: "prometheus → its data (NFS)" }, tags, child);
  const mountTargets = args.subnetIds.map((subnetId, i) => new efs.MountTarget(`${name}-data-mount-${i}`, { fileSystemId: fileSystem.id, subnetId, securityGroups: [securityGroup.id] }, child));
  const accessPoint = new efs.AccessPoint(`${name}-data-ap`, {
    fileSystemId: fileSystem.id,
    posixUser: { uid: Number(PROMETHEUS_UID), gid: Number(PROMETHEUS_UID) },
    rootDirectory: { path: "/prometheus", creationInfo: { ownerUid: Number(PROMETHEUS_UID), ownerGid: Number(PROMETHEUS_UID), permissions: "755" } },
    tags: awsTags(tags, `${name}-data-ap`),
  }, child);
  const volumeName = "prometheus-data";
  return {
    fileSystem,
    mountTargets,
    volume: {
      name: volumeName,
      efsVolumeConfiguration: { fileSystemId: fileSystem.id, transitEncryption: "ENABLED", authorizationConfig: { accessPointId: accessPoint.id, iam: "DISABLED" } },
    },
    mountPoint: { sourceVolume: volumeName, containerPath: PrometheusFiles.dataDir, readOnly: false },
  };
}
