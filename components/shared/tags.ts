/** Tags for AWS resources and labels for Docker containers, from one map. */
import type * as pulumi from "@pulumi/pulumi";

export type Tags = Readonly<Record<string, string>>;

/** AWS tags: the given map plus a Name, which is what the AWS console lists. */
export function awsTags(tags: Tags | undefined, name: string): Record<string, string> {
  return { ...(tags ?? {}), Name: name };
}

/** Docker labels (`docker ps --filter label=…`) from the same tags, plus extra labels. */
export function dockerLabels(tags: Tags | undefined, extra: Record<string, string> = {}): Array<{ label: pulumi.Input<string>; value: pulumi.Input<string> }> {
  return Object.entries({ ...(tags ?? {}), ...extra })
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([label, value]) => ({ label, value }));
}
