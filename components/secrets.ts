/**
 * Which secrets a deployment needs, and where CdnTopology gets them: the
 * component's `secrets` argument, else Pulumi stack config
 * (`pulumi config set --secret <name> …`). Shared with the CLI, which checks
 * the same list before starting the engine.
 */
import * as pulumi from "@pulumi/pulumi";
import { EdgeformError } from "../src/errors.js";
import { secretEnvName } from "../src/plan/plan.js";
import type { DeploymentPlan } from "../src/plan/types.js";
import { REDIS_AUTH_SECRET } from "./cache-tier/index.js";

/**
 * The value CloudFront sends in a secret header on every origin request; the
 * ALB forwards only requests that carry it, so other CloudFront distributions
 * (of any AWS customer) cannot use the ALB. Set it once per stack, like any secret.
 */
export const CDN_ORIGIN_SECRET = "cdnOriginSecret";

/** Secret names the components will read for this plan, sorted. */
export function secretsNeeded(plan: DeploymentPlan): string[] {
  const names = new Set<string>();
  for (const fleet of plan.fleets) {
    if (fleet.kind !== "provisioned") continue;
    for (const v of Object.values(fleet.env)) if (v.secret !== undefined) names.add(v.secret);
  }
  for (const secret of Object.values(plan.edge.secretEnv)) names.add(secret);
  for (const file of plan.edge.tlsFiles) if ("secret" in file.from) names.add(file.from.secret);
  const aws = plan.target.provider === "aws" ? plan.target.spec : undefined;
  // Managed Grafana signs in through IAM Identity Center and has no admin password.
  if (plan.monitoring.grafana && !aws?.managedMonitoring) names.add(plan.monitoring.grafana.adminPassword.secret);
  if (aws && plan.caches.some((c) => c.redis)) names.add(REDIS_AUTH_SECRET);
  if (plan.aws?.cdn) names.add(CDN_ORIGIN_SECRET);
  // Managed monitoring delivers alerts through SNS, without the receivers' credentials.
  if (!aws?.managedMonitoring) for (const f of plan.monitoring.alertmanager?.secretFiles ?? []) names.add(f.secret);
  for (const f of plan.monitoring.prometheus?.secretFiles ?? []) names.add(f.secret);
  return [...names].sort();
}

/** Every needed secret as a secret Output, or one error naming all that are missing. */
export function resolveSecrets(names: readonly string[], given: Readonly<Record<string, pulumi.Input<string>>> | undefined): Record<string, pulumi.Output<string>> {
  const config = new pulumi.Config();
  const values: Record<string, pulumi.Output<string>> = {};
  const missing: string[] = [];
  for (const name of names) {
    const value = given?.[name] ?? config.getSecret(name);
    if (value === undefined) missing.push(name);
    else values[name] = pulumi.secret(value);
  }
  if (missing.length > 0) {
    const list = missing.map((m) => `"${m}"`).join(", ");
    throw new EdgeformError("EF_PULUMI_SECRET_MISSING", `secret${missing.length > 1 ? "s" : ""} ${list} ${missing.length > 1 ? "are" : "is"} not set in the stack's config (project "${pulumi.getProject()}", stack "${pulumi.getStack()}")`, {
      hint: missing.map((m) => `pulumi config set --secret ${m} <value>   (edgeform up reads ${secretEnvName(m)})`).join("\n       "),
    });
  }
  return values;
}
