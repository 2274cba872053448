/**
 * Deterministic resource names within provider limits. A name that is too long
 * keeps a readable prefix and ends in a short hash of the full name, so two
 * long names never collide and the same spec always yields the same names.
 */
import { createHash } from "node:crypto";

export const NameLimits = {
  /** AWS ALB, NLB and target group names. */
  awsLoadBalancer: 32,
  /** ECS service and cluster names, ElastiCache replication group ids are 40. */
  awsElastiCache: 40,
  awsEcs: 255,
  /** Docker container / network names: no hard limit, but keep them readable. */
  docker: 63,
} as const;

export function shortHash(text: string, length = 6): string {
  return createHash("sha256").update(text).digest("hex").slice(0, length);
}

/** Join parts with "-", lower-case, and fit within max characters. */
export function resourceName(parts: readonly (string | number)[], max: number = NameLimits.docker): string {
  const full = parts
    .map((p) => String(p).toLowerCase().replace(/[^a-z0-9-]+/g, "-"))
    .join("-")
    .replace(/-+/g, "-")
    .replace(/^-|-$/g, "");
  if (full.length <= max) return full;
  const hash = shortHash(full);
  return `${full.slice(0, max - hash.length - 1).replace(/-$/, "")}-${hash}`;
}
