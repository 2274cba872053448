/**
 * Public entry points of the edge tier on AWS: an Application Load Balancer
 * for the HTTP listeners and a Network Load Balancer for the TCP listeners.
 * Target groups send traffic to the edge tasks' listener ports and health
 * check `/readyz` on their admin port. The load balancers' security groups are
 * the only ones open to the world; the edge admits traffic only from them.
 */
import * as pulumi from "@pulumi/pulumi";
import * as ec2 from "@pulumi/aws/ec2/index.js";
import * as lb from "@pulumi/aws/lb/index.js";
import { NameLimits, resourceName } from "../../src/plan/naming.js";
import type { DeploymentPlan, PlannedListener } from "../../src/plan/types.js";
import { egressAnywhere, ingressFromGroup, ingressFromPrefixList, publicIngress } from "../shared/network-rules.js";
import { awsTags, type Tags } from "../shared/tags.js";

/** An ALB listener that exists already (escape hatch): the edge adds a rule to it instead of creating an ALB. */
export interface ExistingAlbListener {
  readonly arn: pulumi.Input<string>;
  /** The ALB's security group, admitted to the edge's listener and admin ports. */
  readonly securityGroupId: pulumi.Input<string>;
  /** The ALB's DNS name, for public URLs and as CloudFront's origin. */
  readonly dnsName?: pulumi.Input<string>;
  /** Listener rule priority (default 100). */
  readonly priority?: number;
}

export interface LoadBalancerArgs {
  vpcId: pulumi.Input<string>;
  publicSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
  edgeSecurityGroupId: pulumi.Input<string>;
  existingAlbListener?: ExistingAlbListener | undefined;
  /** With a CDN in front, the ALB admits only CloudFront's origin-facing addresses. */
  cloudFrontOnly: boolean;
}

export interface TargetBinding {
  listener: PlannedListener;
  targetGroup: lb.TargetGroup;
}

export interface EdgeLoadBalancers {
  readonly alb: lb.LoadBalancer | undefined;
  readonly albSecurityGroup: ec2.SecurityGroup | undefined;
  readonly nlb: lb.LoadBalancer | undefined;
  readonly nlbSecurityGroup: ec2.SecurityGroup | undefined;
  readonly targets: TargetBinding[];
  readonly listeners: lb.Listener[];
  readonly listenerRules: lb.ListenerRule[];
  /** DNS name HTTP clients (or CloudFront) reach; undefined without HTTP listeners. */
  readonly httpDnsName: pulumi.Output<string> | undefined;
  readonly urls: Array<{ protocol: "http" | "tcp"; url: pulumi.Output<string> }>;
}

/** Prefix list of CloudFront's origin-facing servers, managed by AWS. */
const CLOUDFRONT_ORIGIN_FACING = "com.amazonaws.global.cloudfront.origin-facing";

export function edgeLoadBalancers(name: string, plan: DeploymentPlan, args: LoadBalancerArgs, tags: Tags | undefined, parent: pulumi.Resource): EdgeLoadBalancers {
  const child = { parent };
  const edge = plan.edge;
  const http = edge.listeners.filter((l) => l.protocol === "http");
  const tcp = edge.listeners.filter((l) => l.protocol === "tcp");
  const targets: TargetBinding[] = [];
  const listeners: lb.Listener[] = [];
  const listenerRules: lb.ListenerRule[] = [];
  const urls: EdgeLoadBalancers["urls"] = [];
  const lbName = (...parts: string[]) => resourceName([plan.name, ...parts], NameLimits.awsLoadBalancer);
  const admitToEdge = (from: pulumi.Input<string>, ports: number[], what: string) => {
    for (const port of [...new Set([...ports, edge.adminPort])]) {
      ingressFromGroup(`${name}-${what}-to-edge-${port}`, { to: args.edgeSecurityGroupId, from, port, description: `${what} → edge:${port}` }, tags, child);
    }
  };
  const targetGroup = (l: PlannedListener, protocol: "HTTP" | "TCP") => new lb.TargetGroup(`${name}-tg-${l.name}`, {
    name: lbName(l.name, protocol === "HTTP" ? "h" : "t"),
    port: l.port,
    protocol,
    targetType: "ip",
    vpcId: args.vpcId,
    deregistrationDelay: 30,
    healthCheck: {
      enabled: true,
      protocol: "HTTP",
      path: "/readyz",
      port: String(edge.adminPort),
      matcher: "200",
      interval: 10,
      timeout: 5,
      healthyThreshold: 2,
      unhealthyThreshold: 3,
    },
    tags: awsTags(tags, `${name}-tg-${l.name}`),
  }, child);

  let alb: lb.LoadBalancer | undefined;
  let albSecurityGroup: ec2.SecurityGroup | undefined;
  let httpDnsName: pulumi.Output<string> | undefined;
  if (http.length > 0 && args.existingAlbListener) {
    const existing = args.existingAlbListener;
    const l = http[0]!;
    const tg = targetGroup(l, "HTTP");
    targets.push({ listener: l, targetGroup: tg });
    listenerRules.push(new lb.ListenerRule(`${name}-rule-${l.name}`, {
      listenerArn: existing.arn,
      priority: existing.priority ?? 100,
      conditions: [{ pathPattern: { values: ["/*"] } }],
      actions: [{ type: "forward", targetGroupArn: tg.arn }],
      tags: awsTags(tags, `${name}-rule-${l.name}`),
    }, child));
    admitToEdge(existing.securityGroupId, [l.port], "alb");
    if (existing.dnsName !== undefined) {
      httpDnsName = pulumi.output(existing.dnsName);
      urls.push({ protocol: "http", url: pulumi.interpolate`http://${httpDnsName}` });
    }
  } else if (http.length > 0) {
    albSecurityGroup = new ec2.SecurityGroup(`${name}-alb-sg`, {
      vpcId: args.vpcId,
      description: `public HTTP entry of ${plan.name}`,
      tags: awsTags(tags, `${name}-alb-sg`),
    }, child);
    const cloudFront = args.cloudFrontOnly ? ec2.getManagedPrefixListOutput({ name: CLOUDFRONT_ORIGIN_FACING }, { parent }) : undefined;
    for (const l of http) {
      if (cloudFront) {
        ingressFromPrefixList(`${name}-alb-in-${l.name}`, albSecurityGroup.id, cloudFront.id, l.port, `CloudFront → ${l.name}`, tags, child);
      } else {
        publicIngress(`${name}-alb-in-${l.name}`, albSecurityGroup.id, l.port, `public HTTP listener ${l.name}`, tags, child);
      }
    }
    egressAnywhere(`${name}-alb-egress`, albSecurityGroup.id, tags, child);
    alb = new lb.LoadBalancer(`${name}-alb`, {
      name: lbName("alb"),
      loadBalancerType: "application",
      internal: false,
      subnets: args.publicSubnetIds,
      securityGroups: [albSecurityGroup.id],
      // Requests with malformed headers never reach the proxy.
      dropInvalidHeaderFields: true,
      idleTimeout: 60,
      tags: awsTags(tags, `${name}-alb`),
    }, child);
    httpDnsName = alb.dnsName;
    for (const l of http) {
      const tg = targetGroup(l, "HTTP");
      targets.push({ listener: l, targetGroup: tg });
      listeners.push(new lb.Listener(`${name}-listener-${l.name}`, {
        loadBalancerArn: alb.arn,
        port: l.port,
        protocol: "HTTP",
        defaultActions: [{ type: "forward", targetGroupArn: tg.arn }],
        tags: awsTags(tags, `${name}-listener-${l.name}`),
      }, child));
      urls.push({ protocol: "http", url: pulumi.interpolate`http://${alb.dnsName}${l.port === 80 ? "" : `:${l.port}`}` });
    }
    admitToEdge(albSecurityGroup.id, http.map((l) => l.port), "alb");
  }

  let nlb: lb.LoadBalancer | undefined;
  let nlbSecurityGroup: ec2.SecurityGroup | undefined;
  if (tcp.length > 0) {
    nlbSecurityGroup = new ec2.SecurityGroup(`${name}-nlb-sg`, {
      vpcId: args.vpcId,
      description: `public TCP entry of ${plan.name}`,
      tags: awsTags(tags, `${name}-nlb-sg`),
    }, child);
    for (const l of tcp) publicIngress(`${name}-nlb-in-${l.name}`, nlbSecurityGroup.id, l.port, `public TCP listener ${l.name}`, tags, child);
    egressAnywhere(`${name}-nlb-egress`, nlbSecurityGroup.id, tags, child);
    nlb = new lb.LoadBalancer(`${name}-nlb`, {
      name: lbName("nlb"),
      loadBalancerType: "network",
      internal: false,
      subnets: args.publicSubnetIds,
      securityGroups: [nlbSecurityGroup.id],
      enableCrossZoneLoadBalancing: true,
      tags: awsTags(tags, `${name}-nlb`),
    }, child);
    for (const l of tcp) {
      const tg = targetGroup(l, "TCP");
      targets.push({ listener: l, targetGroup: tg });
      listeners.push(new lb.Listener(`${name}-listener-${l.name}`, {
        loadBalancerArn: nlb.arn,
        port: l.port,
        protocol: "TCP",
        defaultActions: [{ type: "forward", targetGroupArn: tg.arn }],
        tags: awsTags(tags, `${name}-listener-${l.name}`),
      }, child));
      urls.push({ protocol: "tcp", url: pulumi.interpolate`tcp://${nlb.dnsName}:${l.port}` });
    }
    admitToEdge(nlbSecurityGroup.id, tcp.map((l) => l.port), "nlb");
  }
  return { alb, albSecurityGroup, nlb, nlbSecurityGroup, targets, listeners, listenerRules, httpDnsName, urls };
}
