/**
 * Cloud Map discovery: the fleet's instances from the DiscoverInstances API,
 * not from DNS. A MULTIVALUE DNS answer holds at most eight healthy records,
 * so a fleet of 20 replicas would be balanced over a random, changing eight;
 * the API returns every instance (up to 1000), healthy ones first
 * (HEALTHY_OR_ELSE_ALL: when none is healthy all are returned, and the
 * proxy's own health checks decide).
 *
 * The AWS SDK is imported on first use, so proxies that do not use Cloud Map
 * never load it. Credentials come from the SDK's default chain (the ECS task
 * role, which may only call DiscoverInstances). A failed call keeps the last
 * known set: a control-plane hiccup must not empty a healthy fleet.
 */
import type { ServiceDiscoveryClient } from "@aws-sdk/client-servicediscovery";
import type { Backend } from "../contracts.js";
import type { DiscoveryConfig } from "../../../plan/proxy-config.js";
import { EdgeformError } from "../../../errors.js";
import { createBackend } from "../backend.js";
import type { Discovery, DiscoveryResult } from "./discovery.js";
import { dedupe } from "./static.js";

export type CloudMapConfig = Extract<DiscoveryConfig, { type: "cloudmap" }>;

export interface CloudMapOptions {
  /** Endpoint override (tests, VPC endpoints); the SDK's regional data-plane endpoint otherwise. */
  endpoint?: string;
  /** Static credentials (tests); the default provider chain otherwise. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

/** DiscoverInstances returns at most this many instances per call; it has no paging. */
const MAX_RESULTS = 1000;

export class CloudMapDiscovery implements Discovery {
  readonly refreshMs: number;
  private known: Backend[] = [];
  private client: Promise<ServiceDiscoveryClient> | undefined;

  constructor(
    private readonly config: CloudMapConfig,
    private readonly options: CloudMapOptions = {},
  ) {
    this.refreshMs = config.refreshMs;
  }

  async discover(): Promise<DiscoveryResult> {
    const { namespace, service } = this.config;
    try {
      const sdk = await import("@aws-sdk/client-servicediscovery");
      const client = await (this.client ??= this.createClient());
      const answer = await client.send(new sdk.DiscoverInstancesCommand({
        NamespaceName: namespace,
        ServiceName: service,
        MaxResults: MAX_RESULTS,
        HealthStatus: "HEALTHY_OR_ELSE_ALL",
      }));
      const backends: Backend[] = [];
      for (const instance of answer.Instances ?? []) {
        const attributes = instance.Attributes ?? {};
        const address = attributes["AWS_INSTANCE_IPV4"] ?? attributes["AWS_INSTANCE_IPV6"];
        if (address === undefined) continue;
        const port = Number(attributes["AWS_INSTANCE_PORT"] ?? this.config.port);
        backends.push(createBackend(address, Number.isInteger(port) && port > 0 && port < 65536 ? port : this.config.port, 1));
      }
      this.known = dedupe(backends.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)));
      return { backends: this.known, errors: [] };
    } catch (err) {
      const why = (err as Error)?.message ?? String(err);
      return {
        backends: this.known,
        errors: [
          new EdgeformError("EF_PROXY_DISCOVERY", `Cloud Map DiscoverInstances for "${service}" in "${namespace}" failed: ${why}; keeping ${this.known.length} known backend(s)`, {
            hint: "check the task role allows servicediscovery:DiscoverInstances on this namespace, and that the proxy reaches the Cloud Map API (NAT gateway or VPC endpoint)",
            cause: err,
          }),
        ],
      };
    }
  }

  private async createClient(): Promise<ServiceDiscoveryClient> {
    const sdk = await import("@aws-sdk/client-servicediscovery");
    return new sdk.ServiceDiscoveryClient({
      region: this.config.region,
      // Few attempts: the next refresh retries anyway, and the last known set keeps serving.
      maxAttempts: 2,
      ...(this.options.endpoint !== undefined ? { endpoint: this.options.endpoint, disableHostPrefix: true } : {}),
      ...(this.options.credentials !== undefined ? { credentials: this.options.credentials } : {}),
    });
  }
}
