/**
 * EdgeProxy: edgeform's reverse proxy as the edge tier — the image built from
 * images/edge-proxy.Dockerfile (or the target's override), the generated
 * runtime config delivered into each replica, N replicas. Docker: containers
 * with published ports. AWS: ECS Fargate behind an ALB (HTTP) and an NLB
 * (TCP), with CloudFront in front when the target asks for a CDN.
 */
import * as pulumi from "@pulumi/pulumi";
import type { DeploymentPlan } from "../../src/plan/types.js";
import { argsError, oneProvider, requireSecrets } from "../shared/args.js";
import type { SecretValues } from "../shared/secrets.js";
import type { Tags } from "../shared/tags.js";
import { REDIS_AUTH_SECRET } from "../cache-tier/index.js";
import { awsEdge, cdnEnabled, type AwsEdgeArgs, type AwsEdgeResources } from "./aws.js";
import { dockerEdge, dockerPublicUrls, type DockerEdgeArgs, type DockerEdgeResources } from "./docker.js";

export interface EdgeProxyArgs {
  /** The deployment plan: edge replicas and listeners, the proxy runtime config, caches. */
  readonly plan: DeploymentPlan;
  /** Docker: values of the secrets the proxy reads (admin token, TLS keys), by secret name. */
  readonly secrets?: SecretValues;
  readonly tags?: Tags;
  /** BASE_IMAGE build argument of images/edge-proxy.Dockerfile (default: a public node:22 slim image). */
  readonly baseImage?: string;
  readonly docker?: DockerEdgeArgs;
  readonly aws?: AwsEdgeArgs;
}

export class EdgeProxy extends pulumi.ComponentResource {
  /** Where clients reach the edge: one URL per listener (per replica on Docker); the CDN's URL first when there is one. */
  readonly publicUrls: pulumi.Output<string[]>;
  /** The proxy image as containers and tasks reference it (digest when built here). */
  readonly imageRef: pulumi.Output<string>;
  readonly docker: DockerEdgeResources | undefined;
  readonly aws: AwsEdgeResources | undefined;

  constructor(name: string, args: EdgeProxyArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("edgeform:components:EdgeProxy", name, {}, opts);
    const where = oneProvider("EdgeProxy", name, args);
    const plan = args.plan;
    const chosen = where.docker ? "docker" : "aws";
    if (plan.target.provider !== chosen) {
      throw argsError("EdgeProxy", name, `the plan was made for target "${plan.target.name}" (${plan.target.provider}) but ${chosen} arguments were given; plan for a ${chosen} target`);
    }
    const http = plan.edge.listeners.filter((l) => l.protocol === "http");
    if (where.docker) {
      const tlsSecrets = plan.edge.tlsFiles.flatMap((f) => ("secret" in f.from ? [f.from.secret] : []));
      requireSecrets("EdgeProxy", name, [...Object.values(plan.edge.secretEnv), ...tlsSecrets], args.secrets, "a value");
      const noPassword = plan.proxyConfig.caches.filter((c) => c.redis?.passwordEnv !== undefined && where.docker!.redisPasswords?.[c.name] === undefined).map((c) => c.name);
      if (noPassword.length > 0) {
        throw argsError("EdgeProxy", name, `the Redis password of cache${noPassword.length > 1 ? "s" : ""} ${noPassword.map((c) => `"${c}"`).join(", ")} is missing from redisPasswords (pass CacheTier.password)`);
      }
    }
    let awsSecretNames: Record<string, string> = {};
    if (where.aws) {
      const a = where.aws;
      if (plan.aws === undefined) {
        throw argsError("EdgeProxy", name, "the plan has no AWS names (plan.aws); plan the spec for an aws target with planDeployment");
      }
      if (cdnEnabled(a.cdn) && http.length === 0) {
        throw argsError("EdgeProxy", name, "the target enables a CDN, but the edge has no HTTP listener for CloudFront to reach", "add an http listener or set cdn.enabled: false");
      }
      if (cdnEnabled(a.cdn) && a.existingAlbListener === undefined && a.cdnOriginSecret === undefined) {
        throw argsError("EdgeProxy", name, "the target enables a CDN, so the ALB needs the secret CloudFront sends as its origin header; pass cdnOriginSecret");
      }
      if (a.existingAlbListener && http.length > 1) {
        throw argsError("EdgeProxy", name, `an existing ALB listener can front one HTTP listener, and the edge has ${http.length}`);
      }
      if (a.existingAlbListener && cdnEnabled(a.cdn) && a.existingAlbListener.dnsName === undefined) {
        throw argsError("EdgeProxy", name, "CloudFront needs the existing ALB's DNS name; pass existingAlbListener.dnsName");
      }
      const redisCaches = plan.proxyConfig.caches.filter((c) => c.redis);
      const noUrl = redisCaches.filter((c) => a.redisUrls?.[c.name] === undefined).map((c) => c.name);
      if (noUrl.length > 0) {
        throw argsError("EdgeProxy", name, `the Redis URL of cache${noUrl.length > 1 ? "s" : ""} ${noUrl.map((c) => `"${c}"`).join(", ")} is missing from redisUrls (pass CacheTier.url)`);
      }
      awsSecretNames = { ...plan.edge.secretEnv };
      for (const c of redisCaches) if (c.redis!.passwordEnv) awsSecretNames[c.redis!.passwordEnv] = REDIS_AUTH_SECRET;
      requireSecrets("EdgeProxy", name, Object.values(awsSecretNames), a.placement.secretArns, "a Secrets Manager ARN (placement.secretArns)");
    }

    if (where.docker) {
      const d = dockerEdge(name, plan, where.docker, args.secrets ?? {}, args.baseImage, args.tags, this);
      this.docker = { image: d.image, containers: d.containers };
      this.aws = undefined;
      this.imageRef = d.imageRef;
      this.publicUrls = pulumi.output(dockerPublicUrls(plan));
    } else {
      const a = awsEdge(name, plan, where.aws!, awsSecretNames, args.baseImage, args.tags, this);
      const { imageRef, ...resources } = a;
      this.docker = undefined;
      this.aws = resources;
      this.imageRef = imageRef;
      // Behind CloudFront the ALB admits only CloudFront, so its own URL is not public.
      const lbUrls = resources.loadBalancers.urls.filter((u) => !resources.cdn || u.protocol !== "http").map((u) => u.url);
      this.publicUrls = pulumi.all([...(resources.cdn ? [resources.cdn.url] : []), ...lbUrls]);
    }
    this.registerOutputs({ publicUrls: this.publicUrls, imageRef: this.imageRef });
  }
}

export type { AwsEdgeArgs, AwsEdgeResources, DockerEdgeArgs, DockerEdgeResources };
export type { ExistingAlbListener } from "./aws-lb.js";
