/**
 * CdnTopology: a whole topology from one spec, the one-liner for users —
 *
 *   new CdnTopology("shop", { spec: loadSpec("topology.yaml"), target: "local" })
 *
 * It plans the spec for the target (the same pure plan the CLI and `edgeform
 * dev` use) and builds the cache tiers, backend fleets, edge proxy and
 * monitoring from it, on Docker or on AWS.
 */
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import { Provider as AwsProvider, type ProviderArgs } from "@pulumi/aws/provider.js";
import { planDeployment } from "../src/plan/plan.js";
import type { DeploymentPlan } from "../src/plan/types.js";
import type { Topology } from "../src/spec/types.js";
import { BackendFleet } from "./backend-fleet/index.js";
import { buildDemoOriginImage } from "./backend-fleet/docker.js";
import { CacheTier, REDIS_AUTH_SECRET } from "./cache-tier/index.js";
import { EdgeProxy, type ExistingAlbListener } from "./edge-proxy/index.js";
import { AwsFoundation } from "./foundation/aws.js";
import { Monitoring } from "./monitoring/index.js";
import { CDN_ORIGIN_SECRET, resolveSecrets, secretsNeeded } from "./secrets.js";
import { argsError } from "./shared/args.js";
import { healthTimeoutSeconds } from "./shared/docker-container.js";
import { isDemoOriginImage } from "./shared/paths.js";
import type { SecretValues } from "./shared/secrets.js";
import { dockerLabels, type Tags } from "./shared/tags.js";

/** Infrastructure to use instead of creating it (each overrides the target's spec). */
export interface ExistingInfrastructure {
  /** Docker: join this network instead of creating one. */
  readonly dockerNetwork?: string;
  /** AWS: an existing VPC with its public and private subnets (all three together). */
  readonly vpcId?: pulumi.Input<string>;
  readonly publicSubnetIds?: pulumi.Input<pulumi.Input<string>[]>;
  readonly privateSubnetIds?: pulumi.Input<pulumi.Input<string>[]>;
  /** AWS: an existing ECS cluster. */
  readonly clusterArn?: pulumi.Input<string>;
  /** AWS: add the edge to this ALB listener instead of creating an ALB. */
  readonly albListener?: ExistingAlbListener;
}

export interface CdnTopologyArgs {
  /** A validated spec (loadSpec / validateTopology). */
  readonly spec: Topology;
  /** Target name from the spec's `targets` (a docker or aws target). */
  readonly target: string;
  /** Secret values by name; any not given are read from Pulumi secret config. */
  readonly secrets?: SecretValues;
  /** Tags for every taggable child, on top of the target's tags and edgeform's own. */
  readonly tags?: Tags;
  /** BASE_IMAGE for the images built here, edge proxy and demo origin (default: the target's images.base, else a public node:22 slim image). */
  readonly edgeBaseImage?: string;
  readonly existing?: ExistingInfrastructure;
  /** Stack name carried by AWS physical names (default: the Pulumi stack). */
  readonly stack?: string;
  /** The directory the spec's `{ file }` references (certificates, keys) are relative to (default: the working directory). */
  readonly specDir?: string;
}

/**
 * The AWS provider for the topology's children: the one the caller gives
 * (`provider`, or an AWS entry of `providers`), else a regional provider that
 * keeps the stack's own provider settings (`aws:profile`, `aws:assumeRoles`, …)
 * and only sets the spec's region.
 */
function awsProviderFor(name: string, region: string, opts: pulumi.ComponentResourceOptions, parent: pulumi.Resource): pulumi.ProviderResource {
  if (opts.provider !== undefined && AwsProvider.isInstance(opts.provider)) return opts.provider;
  const given = Array.isArray(opts.providers) ? opts.providers : Object.values(opts.providers ?? {});
  const found = given.find((p) => AwsProvider.isInstance(p));
  if (found) return found;
  const config = new pulumi.Config("aws");
  const profile = config.get("profile");
  const assumeRoles = config.getObject<ProviderArgs["assumeRoles"]>("assumeRoles");
  const assumeRole = config.getObject<ProviderArgs["assumeRoles"]>("assumeRole");
  const roles = assumeRoles ?? (assumeRole !== undefined ? ([assumeRole] as unknown as ProviderArgs["assumeRoles"]) : undefined);
  return new AwsProvider(`${name}-aws`, {
    region,
    ...(profile !== undefined ? { profile } : {}),
    ...(roles !== undefined ? { assumeRoles: roles } : {}),
  }, { parent });
}

export class CdnTopology extends pulumi.ComponentResource {
  readonly plan: DeploymentPlan;
  readonly fleets: Record<string, BackendFleet>;
  readonly caches: Record<string, CacheTier>;
  readonly edge: EdgeProxy;
  readonly monitoring: Monitoring | undefined;
  readonly network: docker.Network | undefined;
  readonly foundation: AwsFoundation | undefined;
  /** Where clients reach the topology (the CDN first when there is one). */
  readonly publicUrls: pulumi.Output<string[]>;
  readonly cdnUrl: pulumi.Output<string> | undefined;
  readonly grafanaUrl: pulumi.Output<string> | undefined;
  readonly prometheusUrl: pulumi.Output<string> | undefined;

  constructor(name: string, args: CdnTopologyArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("edgeform:components:CdnTopology", name, {}, opts);
    const plan = planDeployment(args.spec, args.target, { stack: args.stack ?? pulumi.getStack(), specDir: args.specDir ?? process.cwd() });
    const target = plan.target;
    if (target.provider === "dev") {
      throw argsError("CdnTopology", name, `target "${args.target}" runs on this machine without Docker or a cloud; use \`edgeform dev\` for it`);
    }
    const existing = args.existing ?? {};
    if (target.provider === "docker" && (existing.vpcId ?? existing.clusterArn ?? existing.albListener ?? existing.publicSubnetIds ?? existing.privateSubnetIds) !== undefined) {
      throw argsError("CdnTopology", name, `existing VPC, subnets, cluster or ALB listener apply to AWS targets, and "${target.name}" is a docker target`);
    }
    if (target.provider === "aws" && existing.dockerNetwork !== undefined) {
      throw argsError("CdnTopology", name, `existing.dockerNetwork applies to docker targets, and "${target.name}" is an aws target`);
    }

    this.plan = plan;
    const tags: Tags = { ...plan.tags, ...(args.tags ?? {}) };
    const secrets = resolveSecrets(secretsNeeded(plan), args.secrets);
    this.fleets = {};
    this.caches = {};
    const provisioned = plan.fleets.filter((f) => f.kind === "provisioned");
    const redisCaches = plan.caches.filter((c) => c.redis);

    if (target.provider === "docker") {
      this.foundation = undefined;
      const child = { parent: this };
      const networkName = existing.dockerNetwork ?? target.spec.network;
      this.network = networkName === undefined
        ? new docker.Network(`${name}-net`, { name: plan.network, driver: "bridge", labels: dockerLabels(tags) }, child)
        : undefined;
      const network = this.network?.name ?? pulumi.output(networkName!);
      const waitTimeoutSeconds = healthTimeoutSeconds(plan);
      // The images edgeform builds here (edge proxy, demo origin) share one Node.js base.
      const baseImage = args.edgeBaseImage ?? target.spec.images?.base;
      for (const cache of redisCaches) {
        this.caches[cache.name] = new CacheTier(`${name}-cache-${cache.name}`, {
          cache,
          tags,
          docker: { network, waitTimeoutSeconds, ...(target.spec.images?.redis ? { image: target.spec.images.redis } : {}) },
        }, child);
      }
      // Fleets running the demo origin share one build of it (per image name).
      const demoOrigins = new Map<string, docker.Image>();
      for (const image of new Set(provisioned.map((f) => f.image!).filter(isDemoOriginImage))) {
        demoOrigins.set(image, buildDemoOriginImage(`${name}-${image.replace(/[^a-z0-9]+/g, "-")}`, image, baseImage, this));
      }
      for (const fleet of provisioned) {
        const demoOriginImage = demoOrigins.get(fleet.image!);
        this.fleets[fleet.name] = new BackendFleet(`${name}-fleet-${fleet.name}`, {
          fleet, secrets, tags, docker: { network, waitTimeoutSeconds, ...(baseImage ? { baseImage } : {}), ...(demoOriginImage ? { demoOriginImage } : {}) },
        }, child);
      }
      this.edge = new EdgeProxy(`${name}-edge`, {
        plan,
        secrets,
        tags,
        ...(baseImage ? { baseImage } : {}),
        docker: {
          network,
          waitTimeoutSeconds,
          redisPasswords: Object.fromEntries(Object.entries(this.caches).map(([cache, tier]) => [cache, tier.password!])),
          // Only the containers wait for what they route to: the image builds meanwhile.
          startAfter: [...Object.values(this.caches), ...Object.values(this.fleets)],
        },
      }, { parent: this });
      this.monitoring = plan.monitoring.prometheus
        ? new Monitoring(`${name}-monitoring`, {
          monitoring: plan.monitoring,
          topology: plan.name,
          edgeAdminPort: plan.edge.adminPort,
          ...(plan.monitoring.grafana ? { grafanaAdminPassword: secrets[plan.monitoring.grafana.adminPassword.secret]! } : {}),
          ...(plan.monitoring.alertmanager ? { alertmanagerSecrets: secrets } : {}),
          ...(plan.monitoring.prometheus.secretFiles.length > 0 ? { prometheusSecrets: secrets } : {}),
          tags,
          docker: { network, waitTimeoutSeconds },
        }, { parent: this, dependsOn: [this.edge] })
        : undefined;
      this.cdnUrl = undefined;
    } else {
      this.network = undefined;
      const spec = target.spec;
      const provider = awsProviderFor(name, spec.region, opts, this);
      const child = { parent: this, providers: [provider] };
      const aws = plan.aws!;
      const vpcId = existing.vpcId ?? spec.vpcId;
      const publicSubnetIds = existing.publicSubnetIds ?? spec.publicSubnetIds;
      const privateSubnetIds = existing.privateSubnetIds ?? spec.privateSubnetIds;
      const clusterArn = existing.clusterArn ?? spec.clusterArn;
      const foundation = new AwsFoundation(`${name}-foundation`, {
        topology: plan.name,
        names: aws,
        region: spec.region,
        tags,
        secrets,
        ...(vpcId !== undefined ? { vpcId } : {}),
        ...(publicSubnetIds !== undefined ? { publicSubnetIds } : {}),
        ...(privateSubnetIds !== undefined ? { privateSubnetIds } : {}),
        ...(clusterArn !== undefined ? { clusterArn } : {}),
      }, child);
      this.foundation = foundation;
      const cdnOriginSecret = aws.cdn ? secrets[CDN_ORIGIN_SECRET] : undefined;
      const edgeSecurityGroupId = foundation.edgeSecurityGroup.id;
      for (const cache of redisCaches) {
        this.caches[cache.name] = new CacheTier(`${name}-cache-${cache.name}`, {
          cache,
          tags,
          aws: { vpcId: foundation.vpcId, subnetIds: foundation.privateSubnetIds, edgeSecurityGroupId, authToken: secrets[REDIS_AUTH_SECRET]! },
        }, child);
      }
      for (const fleet of provisioned) {
        this.fleets[fleet.name] = new BackendFleet(`${name}-fleet-${fleet.name}`, {
          fleet,
          tags,
          aws: {
            placement: foundation.placement,
            edgeSecurityGroupId,
            serviceDependsOn: foundation.taskPrerequisites,
            ...(spec.fleetTaskRoleArn !== undefined ? { taskRoleArn: spec.fleetTaskRoleArn } : {}),
          },
        }, child);
      }
      this.edge = new EdgeProxy(`${name}-edge`, {
        plan,
        tags,
        ...(args.edgeBaseImage ? { baseImage: args.edgeBaseImage } : {}),
        aws: {
          placement: foundation.placement,
          publicSubnetIds: foundation.publicSubnetIds,
          securityGroupId: edgeSecurityGroupId,
          serviceDependsOn: foundation.taskPrerequisites,
          ...(cdnOriginSecret !== undefined ? { cdnOriginSecret } : {}),
          redisUrls: Object.fromEntries(Object.entries(this.caches).map(([cache, tier]) => [cache, tier.url])),
          ...(spec.cdn ? { cdn: spec.cdn } : {}),
          ...(existing.albListener ? { existingAlbListener: existing.albListener } : {}),
        },
      }, { ...child, dependsOn: [...Object.values(this.fleets)] });
      const lbs = this.edge.aws!.loadBalancers;
      // Grafana is private unless the spec asks for public access (validation requires HTTPS for it).
      const publicGrafana = spec.grafana?.public;
      const publishGrafanaOn = !spec.managedMonitoring && publicGrafana && lbs.alb && lbs.albSecurityGroup && aws.certificateArn
        ? { loadBalancerArn: lbs.alb.arn, securityGroupId: lbs.albSecurityGroup.id, dnsName: lbs.alb.dnsName, certificateArn: aws.certificateArn, allowedCidrs: publicGrafana.allowedCidrs, targetGroupName: aws.grafanaTargetGroup }
        : undefined;
      this.monitoring = plan.monitoring.prometheus
        ? new Monitoring(`${name}-monitoring`, {
          monitoring: plan.monitoring,
          topology: aws.prefix,
          edgeAdminPort: plan.edge.adminPort,
          tags,
          aws: {
            placement: foundation.placement,
            edgeSecurityGroupId,
            configWriterImage: this.edge.imageRef,
            managed: spec.managedMonitoring ?? false,
            names: { managedPrometheus: aws.managedPrometheus, managedGrafana: aws.managedGrafana },
            serviceDependsOn: foundation.taskPrerequisites,
            ...(foundation.privateSubnetList ? { dataSubnetIds: foundation.privateSubnetList } : {}),
            ...(spec.managedGrafana ? { managedGrafanaAuthentication: spec.managedGrafana.authentication } : {}),
            ...(publishGrafanaOn ? { publishGrafanaOn } : {}),
          },
        }, child)
        : undefined;
      this.cdnUrl = this.edge.aws!.cdn?.url;
    }
    this.publicUrls = this.edge.publicUrls;
    this.grafanaUrl = this.monitoring?.grafanaUrl;
    this.prometheusUrl = this.monitoring?.prometheusUrl;
    this.registerOutputs({
      publicUrls: this.publicUrls,
      cdnUrl: this.cdnUrl,
      grafanaUrl: this.grafanaUrl,
      prometheusUrl: this.prometheusUrl,
    });
  }
}
