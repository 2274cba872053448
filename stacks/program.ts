/**
 * The edgeform Pulumi program: read the spec path and target from stack
 * config, load and validate the spec (failing with the same diagnostics the
 * CLI prints), plan it, build a CdnTopology, and export where to reach it.
 * The Pulumi CLI runs it through ./index.ts; `edgeform preview` runs it under
 * mocks and `edgeform up` through the Automation API.
 */
import { dirname, resolve } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { CdnTopology } from "../components/topology.js";
import { EdgeformError } from "../src/errors.js";
import { loadSpec } from "../src/spec/load-spec.js";
import type { Topology } from "../src/spec/types.js";

export interface ProgramOptions {
  /** An already loaded spec (the CLI loaded it to check it); otherwise read from `edgeform:spec`. */
  readonly topology?: Topology;
  readonly specPath?: string;
  readonly target?: string;
  readonly edgeBaseImage?: string;
}

export interface StackOutputs {
  topology: string;
  target: string;
  publicUrls: pulumi.Output<string[]>;
  /** Present only when the topology has them (Pulumi drops undefined outputs with a warning). */
  cdnUrl?: pulumi.Output<string>;
  grafanaUrl?: pulumi.Output<string>;
  prometheusUrl?: pulumi.Output<string>;
}

export const CONFIG_NAMESPACE = "edgeform";

export async function edgeformProgram(options: ProgramOptions = {}): Promise<StackOutputs> {
  const config = new pulumi.Config(CONFIG_NAMESPACE);
  const target = options.target ?? requireConfig(config, "target", "the target to deploy, e.g. local");
  const specPath = options.specPath ?? (options.topology === undefined ? requireConfig(config, "spec", "the path of the topology spec") : config.get("spec"));
  const topology = options.topology ?? loadSpec(resolve(specPath!));
  // The spec's `{ file }` references (certificates, keys) are relative to its directory.
  const specDir = specPath === undefined ? undefined : dirname(resolve(specPath));
  const edgeBaseImage = options.edgeBaseImage ?? config.get("edgeBaseImage");
  const cdn = new CdnTopology(topology.name, { spec: topology, target, ...(specDir ? { specDir } : {}), ...(edgeBaseImage ? { edgeBaseImage } : {}) });
  return {
    topology: topology.name,
    target,
    publicUrls: cdn.publicUrls,
    ...(cdn.cdnUrl ? { cdnUrl: cdn.cdnUrl } : {}),
    ...(cdn.grafanaUrl ? { grafanaUrl: cdn.grafanaUrl } : {}),
    ...(cdn.prometheusUrl ? { prometheusUrl: cdn.prometheusUrl } : {}),
  };
}

function requireConfig(config: pulumi.Config, key: string, what: string): string {
  const value = config.get(key);
  if (value === undefined || value === "") {
    throw new EdgeformError("EF_CLI_USAGE", `stack config "${CONFIG_NAMESPACE}:${key}" is not set: it names ${what}`, {
      hint: `pulumi config set ${CONFIG_NAMESPACE}:${key} <value>`,
    });
  }
  return value;
}
