/**
 * Security group rules as separate resources (not inline blocks), so each
 * component adds only the rules it owns: a fleet opens its port to the edge,
 * Monitoring opens the edge's admin port to Prometheus, and so on.
 */
import * as pulumi from "@pulumi/pulumi";
import * as vpc from "@pulumi/aws/vpc/index.js";
import { awsTags, type Tags } from "./tags.js";

export interface IngressFromGroup {
  /** Security group receiving the rule. */
  to: pulumi.Input<string>;
  /** Only traffic from this security group is allowed. */
  from: pulumi.Input<string>;
  port: number;
  toPort?: number;
  description: string;
}

export function ingressFromGroup(name: string, rule: IngressFromGroup, tags: Tags | undefined, opts: pulumi.CustomResourceOptions): vpc.SecurityGroupIngressRule {
  return new vpc.SecurityGroupIngressRule(
    name,
    {
      securityGroupId: rule.to,
      referencedSecurityGroupId: rule.from,
      ipProtocol: "tcp",
      fromPort: rule.port,
      toPort: rule.toPort ?? rule.port,
      description: rule.description,
      tags: awsTags(tags, name),
    },
    opts,
  );
}

/** A public entry point: the one kind of rule open to the world (ALB / NLB listener ports), or to the given networks. */
export function publicIngress(name: string, securityGroupId: pulumi.Input<string>, port: number, description: string, tags: Tags | undefined, opts: pulumi.CustomResourceOptions, cidr = "0.0.0.0/0"): vpc.SecurityGroupIngressRule {
  return new vpc.SecurityGroupIngressRule(
    name,
    { securityGroupId, cidrIpv4: cidr, ipProtocol: "tcp", fromPort: port, toPort: port, description, tags: awsTags(tags, name) },
    opts,
  );
}

/** Outbound to anywhere: tasks pull images, read secrets and call AWS APIs through the NAT gateway. */
export function egressAnywhere(name: string, securityGroupId: pulumi.Input<string>, tags: Tags | undefined, opts: pulumi.CustomResourceOptions): vpc.SecurityGroupEgressRule {
  return new vpc.SecurityGroupEgressRule(
    name,
    { securityGroupId, cidrIpv4: "0.0.0.0/0", ipProtocol: "-1", description: "outbound: image pulls, AWS APIs, backends", tags: awsTags(tags, name) },
    opts,
  );
}

/** Ingress from an AWS-managed prefix list (CloudFront's origin-facing servers). */
export function ingressFromPrefixList(name: string, securityGroupId: pulumi.Input<string>, prefixListId: pulumi.Input<string>, ports: { from: number; to: number }, description: string, tags: Tags | undefined, opts: pulumi.CustomResourceOptions): vpc.SecurityGroupIngressRule {
  return new vpc.SecurityGroupIngressRule(
    name,
    { securityGroupId, prefixListId, ipProtocol: "tcp", fromPort: ports.from, toPort: ports.to, description, tags: awsTags(tags, name) },
    opts,
  );
}
