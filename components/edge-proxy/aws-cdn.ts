/**
 * CloudFront in front of the edge's ALB, when the AWS target enables `cdn`.
 * The cache policy keeps no object longer than the origin's Cache-Control
 * allows (default TTL 0), so CloudFront and the edge's own RFC 9111 cache
 * agree on what is fresh; Host and the query string are part of the key.
 * CloudFront reaches the ALB over HTTPS only, by the name its certificate
 * covers, and sends the secret origin header the ALB requires.
 */
import * as pulumi from "@pulumi/pulumi";
import * as cloudfront from "@pulumi/aws/cloudfront/index.js";
import { HTTPS_PORT, ORIGIN_VERIFY_HEADER } from "../../src/plan/aws.js";
import type { PlannedAws } from "../../src/plan/types.js";
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
  names: PlannedAws,
  cdn: NonNullable<AwsTargetSpec["cdn"]>,
  origin: { dnsName: pulumi.Input<string>; secret: pulumi.Input<string> },
  tags: Tags | undefined,
  parent: pulumi.Resource,
): CdnResources {
  const child = { parent };
  const cachePolicy = new cloudfront.CachePolicy(`${name}-cdn-cache`, {
    // CloudFront policies are global to the account: the stack is part of the name.
    name: names.cdnCachePolicy,
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
  }, { parent, deleteBeforeReplace: true });
  const originRequestPolicy = new cloudfront.OriginRequestPolicy(`${name}-cdn-origin`, {
    name: names.cdnOriginRequestPolicy,
    comment: `edgeform ${topology}: forward what the edge routes on`,
    cookiesConfig: { cookieBehavior: "all" },
    headersConfig: { headerBehavior: "allViewer" },
    queryStringsConfig: { queryStringBehavior: "all" },
  }, { parent, deleteBeforeReplace: true });
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
        // Validation requires loadBalancer.domainName: the name the ALB's certificate covers.
        domainName: names.originDomainName ?? origin.dnsName,
        customHeaders: [{ name: ORIGIN_VERIFY_HEADER, value: pulumi.secret(origin.secret) }],
        customOriginConfig: {
          httpPort: 80,
          httpsPort: HTTPS_PORT,
          originProtocolPolicy: "https-only",
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
