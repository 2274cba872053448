/**
 * Pulumi mocks that record every resource the program registers, for offline
 * previews and tests. In preview mode (dryRun) a resource's outputs are only
 * its inputs, so computed outputs stay unknown as in a real preview; in update
 * mode plausible computed outputs (ids, ARNs, DNS names, image digests) are
 * filled in, so code that consumes them runs as it would after a deployment.
 */
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";

/** Pulumi's wire markers for secret values and resource references in resource inputs. */
const SIG_KEY = pulumi.runtime.specialSigKey;
const SECRET_SIG = pulumi.runtime.specialSecretSig;
const RESOURCE_SIG = pulumi.runtime.specialResourceSig;

export interface RecordedResource {
  type: string;
  name: string;
  custom: boolean;
  /** Inputs as the engine would receive them; secrets are `{ [SIG_KEY]: SECRET_SIG, value }`. */
  inputs: Record<string, unknown>;
  /** Outputs the mock returned. */
  state: Record<string, unknown>;
  id: string | undefined;
  /** "type::name" of the parent, filled in from the stack transformation. */
  parent?: string;
  /** How many `transforms` the resource was registered with (the engine applies them, to its children too). */
  transforms: number;
  /** "type::name" of each resource in its `dependsOn`, filled in from the stack transformation. */
  dependsOn?: string[];
  /** Its `deleteBeforeReplace` option, when set. */
  deleteBeforeReplace?: boolean;
  /** "type::name" of the provider it was given (`provider`, or the parent's for its package), when explicit. */
  provider?: string;
}

export const FAKE_ACCOUNT = "123456789012";

export class RecordingMocks implements pulumi.runtime.Mocks {
  readonly resources: RecordedResource[] = [];
  readonly calls: Array<{ token: string; inputs: unknown }> = [];
  region = "us-east-1";

  constructor(readonly dryRun: boolean) {}

  newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
    const inputs = (args.inputs ?? {}) as Record<string, unknown>;
    if (args.type === "pulumi:providers:aws" && typeof inputs["region"] === "string") this.region = inputs["region"];
    const computed = this.dryRun ? {} : fakeOutputs(args.type, args.name, inputs, this.region);
    const id = args.custom === false ? undefined : this.dryRun ? undefined : String(computed["id"] ?? `${args.name}-${shortId(args.type + args.name)}`);
    const state = { ...inputs, ...computed };
    this.resources.push({ type: args.type, name: args.name, custom: args.custom !== false, inputs, state, id, transforms: args.transforms?.length ?? 0 });
    return { id, state };
  }

  call(args: pulumi.runtime.MockCallArgs): pulumi.runtime.MockCallResult {
    this.calls.push({ token: args.token, inputs: args.inputs });
    switch (args.token) {
      case "aws:index/getAvailabilityZones:getAvailabilityZones":
        return { names: ["a", "b", "c"].map((z) => `${this.region}${z}`), zoneIds: ["az1", "az2", "az3"].map((z) => `use1-${z}`), id: this.region };
      case "aws:ecr/getAuthorizationToken:getAuthorizationToken":
        return { userName: "AWS", password: "mock-ecr-password", authorizationToken: "bW9jaw==", proxyEndpoint: `https://${FAKE_ACCOUNT}.dkr.ecr.${this.region}.amazonaws.com`, expiresAt: "2100-01-01T00:00:00Z", id: this.region };
      case "aws:ec2/getManagedPrefixList:getManagedPrefixList": {
        // Prefix list ids differ per region: the answer depends on the provider's region.
        const id = prefixListIdFor(this.region);
        return { id, name: (args.inputs as { name?: string }).name ?? "", arn: `arn:aws:ec2:${this.region}:aws:prefix-list/${id}` };
      }
      case "aws:index/getCallerIdentity:getCallerIdentity":
        return { accountId: FAKE_ACCOUNT, arn: `arn:aws:iam::${FAKE_ACCOUNT}:user/mock`, userId: "AIDAMOCK", id: FAKE_ACCOUNT };
      default:
        return {};
    }
  }
}

/** The mocks' CloudFront origin-facing prefix list id in a region. */
export function prefixListIdFor(region: string): string {
  return `pl-${shortId(`cloudfront-origin-facing:${region}`)}`;
}

function shortId(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 8);
}

/** Computed outputs a real deployment would return, for the properties edgeform's components read. */
function fakeOutputs(type: string, name: string, inputs: Record<string, unknown>, region: string): Record<string, unknown> {
  const h = shortId(type + name);
  const named = typeof inputs["name"] === "string" ? (inputs["name"] as string) : `${name}-${h.slice(0, 7)}`;
  if (type.startsWith("docker:")) {
    switch (type) {
      case "docker:index/image:Image":
        return { id: `sha256:${h}`, repoDigest: `${plain(inputs["imageName"])}@sha256:${h}${h}`, imageName: plain(inputs["imageName"]) };
      case "docker:index/remoteImage:RemoteImage":
        return { id: `sha256:${h}`, imageId: `sha256:${h}${h}`, repoDigest: `${plain(inputs["name"])}@sha256:${h}` };
      case "docker:index/network:Network":
        return { id: h, name: named };
      default:
        return { id: h, name: named };
    }
  }
  if (type === "random:index/randomPassword:RandomPassword") {
    // A stable stand-in for the generated value (it is only ever handled as a secret).
    return { id: "none", result: `mock-password-${h}` };
  }
  if (type.startsWith("aws:")) {
    const service = type.slice(4, type.indexOf("/"));
    const base: Record<string, unknown> = { id: `${name}-${h}`, arn: `arn:aws:${service}:${region}:${FAKE_ACCOUNT}:${named}`, name: named };
    switch (type) {
      case "aws:lb/loadBalancer:LoadBalancer":
        return { ...base, dnsName: `${named}-${h}.${region}.elb.amazonaws.com`, arnSuffix: `app/${named}/${h}`, zoneId: "Z35SXDOTRQ7X7K" };
      case "aws:cloudfront/distribution:Distribution":
        return { ...base, domainName: `d${h}.cloudfront.net`, hostedZoneId: "Z2FDTNDATAQYW2" };
      case "aws:ecr/repository:Repository":
        return { ...base, registryId: FAKE_ACCOUNT, repositoryUrl: `${FAKE_ACCOUNT}.dkr.ecr.${region}.amazonaws.com/${named}` };
      case "aws:elasticache/replicationGroup:ReplicationGroup":
        return { ...base, primaryEndpointAddress: `master.${plain(inputs["replicationGroupId"]) ?? named}.${h}.${region}.cache.amazonaws.com` };
      case "aws:amp/workspace:Workspace":
        return { ...base, prometheusEndpoint: `https://aps-workspaces.${region}.amazonaws.com/workspaces/ws-${h}/` };
      case "aws:grafana/workspace:Workspace":
        return { ...base, endpoint: `g-${h}.grafana-workspace.${region}.amazonaws.com` };
      case "aws:ec2/securityGroup:SecurityGroup":
        return { ...base, id: `sg-${h}` };
      case "aws:ec2/vpc:Vpc":
        return { ...base, id: `vpc-${h}` };
      case "aws:ec2/subnet:Subnet":
        return { ...base, id: `subnet-${h}` };
      case "aws:ecs/cluster:Cluster":
        return { ...base, arn: `arn:aws:ecs:${region}:${FAKE_ACCOUNT}:cluster/${named}` };
      case "aws:ecs/service:Service":
        return { ...base, arn: `arn:aws:ecs:${region}:${FAKE_ACCOUNT}:service/${named}` };
      default:
        return base;
    }
  }
  return { id: `${name}-${h}` };
}

function plain(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

// ── reading recorded inputs ─────────────────────────────────────────────────

export function isSecretValue(v: unknown): v is { value: unknown } {
  return typeof v === "object" && v !== null && (v as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

function isResourceRef(v: unknown): v is { urn: string } {
  return typeof v === "object" && v !== null && (v as Record<string, unknown>)[SIG_KEY] === RESOURCE_SIG;
}

/**
 * Inputs as people may see them: secrets replaced by "[secret]", values not
 * known until deployment by "[unknown]", resource references by their URN.
 */
export function redact(value: unknown): unknown {
  if (isSecretValue(value)) return "[secret]";
  if (pulumi.isUnknown(value)) return "[unknown]";
  if (isResourceRef(value)) return `[resource ${String(value.urn).split("::").pop()}]`;
  if (pulumi.Resource.isInstance(value)) return "[resource]";
  if (Array.isArray(value)) return value.map(redact);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, redact(v)]));
  }
  return value;
}

/** The same inputs with secrets unwrapped (for tests that check where a secret went). */
export function unwrapSecrets(value: unknown): unknown {
  if (isSecretValue(value)) return unwrapSecrets(value.value);
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (value !== null && typeof value === "object" && !pulumi.isUnknown(value) && !pulumi.Resource.isInstance(value)) {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, unwrapSecrets(v)]));
  }
  return value;
}
