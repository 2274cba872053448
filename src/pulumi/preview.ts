/**
 * `edgeform preview`, offline: load and validate the spec, plan it, and run
 * the stacks/ program under mocks, recording what would be created. Secrets
 * the topology needs get placeholders (a preview never shows them anyway).
 */
import { resolve } from "node:path";
import { secretsNeeded } from "../../components/secrets.js";
import { edgeformProgram, CONFIG_NAMESPACE } from "../../stacks/program.js";
import { EdgeformError } from "../errors.js";
import { planDeployment } from "../plan/plan.js";
import type { Provider } from "../plan/types.js";
import { loadSpec } from "../spec/load-spec.js";
import { isSecretValue, redact, unwrapSecrets } from "./mocks.js";
import { runUnderMocks } from "./offline.js";

export const PREVIEW_PROJECT = "edgeform";

export interface PreviewResource {
  type: string;
  name: string;
  /** "type::name" of the parent resource; undefined for top-level resources. */
  parent?: string;
  /** false for components (ComponentResource), true for resources a provider creates. */
  custom: boolean;
  /** Inputs with secrets shown as "[secret]" and values known only after deployment as "[unknown]". */
  inputs: Record<string, unknown>;
}

export interface PreviewReport {
  topology: string;
  target: string;
  provider: Provider;
  /** true: computed outputs unknown, as in `pulumi preview`. */
  dryRun: boolean;
  resources: PreviewResource[];
  outputs: Record<string, unknown>;
  summary: { total: number; custom: number; components: number; byType: Record<string, number> };
}

/** What every secret of an offline preview holds: no real secret value is ever read here. */
const PLACEHOLDER_SECRET = "preview-placeholder-secret";
/** The mocks' stand-ins for generated secrets (RandomPassword). */
const STAND_IN = /mock-password-/;
/**
 * PEM text: a key read from a spec `{ file }` is real even in an offline
 * preview (the Docker target uploads it), so PEM inside a secret is masked too.
 */
const PEM = /-----BEGIN [A-Z0-9 ]+-----/;

/**
 * Inputs as the preview shows them. Pulumi marks a whole input property secret as soon as one
 * value inside it is (CloudFront's origins, for the origin header), which would hide everything
 * a reviewer checks there (originProtocolPolicy). An offline preview holds only placeholders
 * and stand-ins, so a secret structure is shown with `"[secret]"` for every string that carries
 * one, and everything else as it is; a secret that is a plain value stays `"[secret]"`.
 */
function previewInputs(value: unknown): unknown {
  if (isSecretValue(value) && value.value !== null && typeof value.value === "object") return maskSecretLeaves(redact(unwrapSecrets(value.value)));
  if (Array.isArray(value)) return value.map(previewInputs);
  if (value !== null && typeof value === "object" && !isSecretValue(value)) {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, previewInputs(v)]));
  }
  return redact(value);
}

function maskSecretLeaves(value: unknown): unknown {
  if (typeof value === "string") return value.includes(PLACEHOLDER_SECRET) || STAND_IN.test(value) || PEM.test(value) ? "[secret]" : value;
  if (Array.isArray(value)) return value.map(maskSecretLeaves);
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, maskSecretLeaves(v)]));
  return value;
}

export async function previewOffline(options: { specPath: string; target: string; dryRun?: boolean; stack?: string; edgeBaseImage?: string }): Promise<PreviewReport> {
  const specPath = resolve(options.specPath);
  const topology = loadSpec(specPath);
  const plan = planDeployment(topology, options.target);
  if (plan.target.provider === "dev") {
    throw new EdgeformError("EF_CLI_USAGE", `target "${options.target}" runs with \`edgeform dev\`, not Pulumi; preview a docker or aws target`, {
      hint: `targets in this spec: ${Object.keys(topology.targets ?? {}).join(", ") || "(none: add one under `targets:`)"}`,
    });
  }
  const dryRun = options.dryRun ?? true;
  const placeholders = Object.fromEntries(secretsNeeded(plan).map((s) => [`${PREVIEW_PROJECT}:${s}`, PLACEHOLDER_SECRET]));
  const run = await runUnderMocks({
    dryRun,
    project: PREVIEW_PROJECT,
    stack: options.stack ?? `${topology.name}-${options.target}`,
    config: { [`${CONFIG_NAMESPACE}:spec`]: specPath, [`${CONFIG_NAMESPACE}:target`]: options.target },
    secretConfig: placeholders,
    program: () => edgeformProgram({ topology, target: options.target, specPath, ...(options.edgeBaseImage ? { edgeBaseImage: options.edgeBaseImage } : {}) }),
  });
  const resources: PreviewResource[] = run.resources.map((r) => ({
    type: r.type,
    name: r.name,
    ...(r.parent !== undefined && !r.parent.startsWith("pulumi:pulumi:Stack::") ? { parent: r.parent } : {}),
    custom: r.custom,
    inputs: previewInputs(r.inputs) as Record<string, unknown>,
  }));
  const byType: Record<string, number> = {};
  for (const r of resources) byType[r.type] = (byType[r.type] ?? 0) + 1;
  const custom = resources.filter((r) => r.custom).length;
  return {
    topology: topology.name,
    target: options.target,
    provider: plan.target.provider,
    dryRun,
    resources,
    outputs: redact(run.outputs) as Record<string, unknown>,
    summary: { total: resources.length, custom, components: resources.length - custom, byType: Object.fromEntries(Object.entries(byType).sort(([a], [b]) => a.localeCompare(b))) },
  };
}
