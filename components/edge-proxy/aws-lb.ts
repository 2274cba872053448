/**
 * Public entry points of the edge tier on AWS: an Application Load Balancer
 * for the HTTP listeners and a Network Load Balancer for the TCP listeners.
 * Target groups send traffic to the edge tasks' listener ports and check
 * liveness (`/healthz`) on their admin port, so one fleet being down never
 * fails every edge target. With a certificate the ALB speaks HTTPS (and
 * redirects HTTP); with CloudFront in front it admits only CloudFront's
 * origin-facing addresses and forwards only requests carrying the secret
 * origin header, answering 403 to anything else. Every name comes from the plan.
 */
import * as pulumi from "@pulumi/pulumi";
import * as ec2 from "@pulumi/aws/ec2/index.js";
import * as lb from "@pulumi/aws/lb/index.js";
import { HTTP_PORT, ORIGIN_VERIFY_HEADER } from "../../src/plan/aws.js";
import type { DeploymentPlan, PlannedListener } from "../../src/plan/types.js";
import { EDGE_LIVENESS_PATH } from "../shared/health.js";
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
  /** With a CDN in front, the ALB admits only CloudFront's origin-facing addresses… */
  cloudFrontOnly: boolean;
  /** …and forwards only requests whose origin header carries this secret. */
  originSecret?: pulumi.Input<string> | undefined;
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

/** TLS 1.2 and 1.3 only, forward-secret ciphers (AWS's recommended policy). */
export const TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";

const FORBIDDEN = { type: "fixed-response", fixedResponse: { contentType: "text/plain", messageBody: "forbidden", statusCode: "403" } };

export function edgeLoadBalancers(name: string, plan: DeploymentPlan, args: LoadBalancerArgs, tags: Tags | undefined, parent: pulumi.Resource): EdgeLoadBalancers {
  const child = { parent };
  const edge = plan.edge;
  const http = edge.listeners.filter((l) => l.protocol === "http");
  const tcp = edge.listeners.filter((l) => l.protocol === "tcp");
  const targets: TargetBinding[] = [];
  const listeners: lb.Listener[] = [];
  const listenerRules: lb.ListenerRule[] = [];
  const urls: EdgeLoadBalancers["urls"] = [];
  const names = plan.aws!;
  const admitToEdge = (from: pulumi.Input<string>, ports: number[], what: string) => {
    for (const port of [...new Set([...ports, edge.adminPort])]) {
      ingressFromGroup(`${name}-${what}-to-edge-${port}`, { to: args.edgeSecurityGroupId, from, port, description: `${what} → edge:${port}` }, tags, child);
    }
  };
  // The name carries a hash of port and protocol: a replacement gets a new name, created before the old one goes.
  const targetGroup = (l: PlannedListener, protocol: "HTTP" | "TCP") => new lb.TargetGroup(`${name}-tg-${l.name}`, {
    name: names.targetGroups[l.name]!,
    port: l.port,
    protocol,
    targetType: "ip",
    vpcId: args.vpcId,
    deregistrationDelay: 30,
    healthCheck: {
      enabled: true,
      protocol: "HTTP",
      path: EDGE_LIVENESS_PATH,
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
    const albPorts = [...names.albListeners.map((l) => l.port), ...(names.redirectHttpToHttps ? [HTTP_PORT] : [])];
    if (args.cloudFrontOnly) {
      // Looked up in the stack's region (ids differ per region). The list counts as 55 rules
      // against the group's quota of 60, so one rule spans every listener port.
      const cloudFront = ec2.getManagedPrefixListOutput({ name: CLOUDFRONT_ORIGIN_FACING }, { parent });
      ingressFromPrefixList(`${name}-alb-in-cloudfront`, albSecurityGroup.id, cloudFront.id, { from: Math.min(...albPorts), to: Math.max(...albPorts) }, "CloudFront origin-facing → ALB", tags, child);
    } else {
      for (const port of [...new Set(albPorts)]) publicIngress(`${name}-alb-in-${port}`, albSecurityGroup.id, port, `public entry :${port}`, tags, child);
    }
    egressAnywhere(`${name}-alb-egress`, albSecurityGroup.id, tags, child);
    alb = new lb.LoadBalancer(`${name}-alb`, {
      name: names.alb,
      loadBalancerType: "application",
      internal: false,
      subnets: args.publicSubnetIds,
      securityGroups: [albSecurityGroup.id],
      // Requests with malformed headers never reach the proxy.
      dropInvalidHeaderFields: true,
      // Shorter than the proxy's keep-alive (the plan sets both), so the ALB closes idle connections first.
      idleTimeout: names.albIdleTimeoutSeconds,
      tags: awsTags(tags, `${name}-alb`),
    }, { parent, deleteBeforeReplace: true });
    httpDnsName = alb.dnsName;
    for (const entry of names.albListeners) {
      const l = http.find((h) => h.name === entry.listener)!;
      const tg = targetGroup(l, "HTTP");
      targets.push({ listener: l, targetGroup: tg });
      const forward = { type: "forward", targetGroupArn: tg.arn };
      const listener = new lb.Listener(`${name}-listener-${l.name}`, {
        loadBalancerArn: alb.arn,
        port: entry.port,
        protocol: entry.protocol,
        ...(entry.protocol === "HTTPS" ? { certificateArn: names.certificateArn!, sslPolicy: TLS_POLICY } : {}),
        // Behind CloudFront only requests with the origin secret are forwarded (a rule below); the rest get 403.
        defaultActions: [args.originSecret !== undefined ? FORBIDDEN : forward],
        tags: awsTags(tags, `${name}-listener-${l.name}`),
      }, child);
      listeners.push(listener);
      if (args.originSecret !== undefined) {
        listenerRules.push(new lb.ListenerRule(`${name}-origin-${l.name}`, {
          listenerArn: listener.arn,
          priority: 1,
          conditions: [{ httpHeader: { httpHeaderName: ORIGIN_VERIFY_HEADER, values: [pulumi.secret(args.originSecret)] } }],
          actions: [forward],
          tags: awsTags(tags, `${name}-origin-${l.name}`),
        }, child));
      }
      const scheme = entry.protocol === "HTTPS" ? "https" : "http";
      const defaultPort = scheme === "https" ? 443 : 80;
      urls.push({ protocol: "http", url: pulumi.interpolate`${scheme}://${names.originDomainName ?? alb.dnsName}${entry.port === defaultPort ? "" : `:${entry.port}`}` });
    }
    if (names.redirectHttpToHttps) {
      listeners.push(new lb.Listener(`${name}-listener-redirect`, {
        loadBalancerArn: alb.arn,
        port: HTTP_PORT,
        protocol: "HTTP",
        defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS", port: String(names.albListeners[0]!.port), statusCode: "HTTP_301" } }],
        tags: awsTags(tags, `${name}-listener-redirect`),
      }, child));
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
      name: names.nlb,
      loadBalancerType: "network",
      internal: false,
      subnets: args.publicSubnetIds,
      securityGroups: [nlbSecurityGroup.id],
      enableCrossZoneLoadBalancing: true,
      tags: awsTags(tags, `${name}-nlb`),
    }, { parent, deleteBeforeReplace: true });
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
