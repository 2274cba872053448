/**
 * Secret values as components receive them. Every value passes through
 * pulumi.secret, so a secret given as a plain string is still encrypted in
 * state and shown as [secret] in previews.
 */
import * as pulumi from "@pulumi/pulumi";

export type SecretValues = Readonly<Record<string, pulumi.Input<string>>>;

export function secretOutput(value: pulumi.Input<string>): pulumi.Output<string> {
  return pulumi.secret(value);
}

/**
 * Container environment as Docker's `KEY=value` list. Plain values stay
 * readable; when any value is a secret the whole list is marked secret (the
 * engine cannot hide one element of a list).
 */
export function dockerEnv(plain: Record<string, string>, secret: Record<string, pulumi.Input<string>>): pulumi.Input<pulumi.Input<string>[]> {
  const entries = Object.entries(plain).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${v}`);
  const secretKeys = Object.keys(secret).sort();
  if (secretKeys.length === 0) return entries;
  return pulumi.secret(pulumi.all(secretKeys.map((k) => secret[k]!)).apply((values) => [...entries, ...secretKeys.map((k, i) => `${k}=${values[i]}`)]));
}
