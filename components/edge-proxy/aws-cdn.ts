/**
 * CloudFront in front of the edge's ALB, when the AWS target enables `cdn`.
 * The cache policy keeps no object longer than the origin's Cache-Control
 * allows (default TTL 0), so CloudFront and the edge's own RFC 9111 cache
 * agree on what is fresh; Host and the query string are part of the key.
 */
import * as pulumi from "@pulumi/pulumi";
import * as cloudfront from "@pulumi/aws/cloudfront/index.js";
import { resourceName } from "../../src/plan/naming.js";
import type { AwsTargetSpec } from "../../src/spec/types.js";
import { awsTags, type Tags } from "../shared/tags.js";

export interface CdnResources {
  readonly cachePolicy: cloudfront.CachePolicy;
  readonly originRequestPolicy: cloudfront.OriginRequestPolicy;
  readonly distribution: cloudfront.Distribution;
  readonly url: pulumi.Output<string>;
}

const ORIGIN_ID = "edge-alb";

export function edgeCdn(
  name: string,
  topology: string,
  target: string,
  cdn: NonNullable<AwsTargetSpec["cdn"]>,
  origin: { dnsName: pulumi.Input<string>; httpPort: number },
  tags: Tags | undefined,
  parent: pulumi.Resource,
): CdnResources {
  const child = { parent };
  const cachePolicy = new cloudfront.CachePolicy(`${name}-cdn-cache`, {
    // CloudFront policies are global to the account: the target is part of the name.
    name: resourceName([topology, target, "edge-cache"], 128),
    comment: `edgeform ${topology}: honour the origin's Cache-Control`,
    defaultTtl: 0,
    minTtl: 0,
    maxTtl: 31_536_000,
    parametersInCacheKeyAndForwardedToOrigin: {
      cookiesConfig: { cookieBehavior: "none" },
      headersConfig: { headerBehavior: "whitelist", headers: { items: ["Host"] } },
      queryStringsConfig: { queryStringBehavior: "all" },
      enableAcceptEncodingGzip: true,
      enableAcceptEncodingBrotli: true,
    },
  }, child);
  const originRequestPolicy = new cloudfront.OriginRequestPolicy(`${name}-cdn-origin`, {
    name: resourceName([topology, target, "edge-origin"], 128),
    comment: `edgeform ${topology}: forward what the edge routes on`,
    cookiesConfig: { cookieBehavior: "all" },
    headersConfig: { headerBehavior: "allViewer" },
    queryStringsConfig: { queryStringBehavior: "all" },
  }, child);
  const aliases = cdn.aliases ?? [];
  const distribution = new cloudfront.Distribution(`${name}-cdn`, {
    enabled: true,
    isIpv6Enabled: true,
    comment: `edgeform ${topology}`,
    httpVersion: "http2and3",
    priceClass: cdn.priceClass ?? "PriceClass_100",
    ...(aliases.length > 0 ? { aliases } : {}),
    origins: [
      {
        originId: ORIGIN_ID,
        domainName: origin.dnsName,
        customOriginConfig: {
          httpPort: origin.httpPort,
          httpsPort: 443,
          // The ALB listens on plain HTTP (no certificate is provisioned for it).
          originProtocolPolicy: "http-only",
          originSslProtocols: ["TLSv1.2"],
          originReadTimeout: 30,
        },
      },
    ],
    defaultCacheBehavior: {
      targetOriginId: ORIGIN_ID,
      viewerProtocolPolicy: "redirect-to-https",
      allowedMethods: ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"],
      cachedMethods: ["GET", "HEAD"],
      cachePolicyId: cachePolicy.id,
      originRequestPolicyId: originRequestPolicy.id,
      compress: true,
    },
    restrictions: { geoRestriction: { restrictionType: "none" } },
    viewerCertificate: cdn.certificateArn
      ? { acmCertificateArn: cdn.certificateArn, sslSupportMethod: "sni-only", minimumProtocolVersion: "TLSv1.2_2021" }
      : { cloudfrontDefaultCertificate: true },
    tags: awsTags(tags, `${name}-cdn`),
  }, child);
  const url = aliases.length > 0 ? pulumi.output(`https://${aliases[0]}`) : pulumi.interpolate`https://${distribution.domainName}`;
  return { cachePolicy, originRequestPolicy, distribution, url };
}
