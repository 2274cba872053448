/**
 * Run a Pulumi program in this process under the SDK's mocks: no engine, no
 * cloud, no Docker. Mocks are process-global in the SDK, so a process runs
 * one program this way (the CLI does; tests run one scenario per process).
 */
import * as pulumi from "@pulumi/pulumi";
import { RecordingMocks, type RecordedResource } from "./mocks.js";

export interface MockRunOptions {
  program: () => Promise<Record<string, unknown> | object>;
  /** true: a preview (computed outputs unknown); false: an update (computed outputs filled in). */
  dryRun: boolean;
  project?: string;
  stack?: string;
  /** Stack config, full keys ("edgeform:target"). */
  config?: Record<string, string>;
  /** Stack config that is secret, full keys. */
  secretConfig?: Record<string, string>;
}

export interface MockRun {
  /** Every resource the program registered, in registration order, with its parent; the Stack itself excluded. */
  resources: RecordedResource[];
  /** Stack outputs: "[unknown]" where a preview cannot know them, "[secret]" for secrets. */
  outputs: Record<string, unknown>;
  mocks: RecordingMocks;
}

let used = false;

export async function runUnderMocks(options: MockRunOptions): Promise<MockRun> {
  if (used) throw new Error("runUnderMocks runs one program per process: Pulumi's mocks are global to the process");
  used = true;
  const mocks = new RecordingMocks(options.dryRun);
  const project = options.project ?? "edgeform";
  const stack = options.stack ?? "preview";
  await pulumi.runtime.setMocks(mocks, project, stack, options.dryRun);
  const config = { ...(options.config ?? {}), ...(options.secretConfig ?? {}) };
  pulumi.runtime.setAllConfig(config, Object.keys(options.secretConfig ?? {}));

  // Mocks are not told a resource's parent; a stack transformation sees it as it is constructed.
  const keys = new Map<pulumi.Resource, string>();
  const parents = new Map<string, string>();
  const options_ = new Map<string, RecordedOptions>();
  const outputs: Record<string, unknown> = {};
  // A program error is kept and rethrown after the run: thrown inside the stack, the SDK
  // would also reject an internal promise nobody awaits, and the process would crash.
  let failure: { error: unknown } | undefined;
  await pulumi.runtime.runInPulumiStack(async () => {
    pulumi.runtime.registerStackTransformation((args) => {
      const key = `${args.type}::${args.name}`;
      keys.set(args.resource, key);
      const parent = args.opts.parent ? keys.get(args.opts.parent) : undefined;
      if (parent !== undefined) parents.set(key, parent);
      options_.set(key, recordedOptions(args.opts, keys));
      return undefined;
    });
    try {
      const exported = (await options.program()) as Record<string, unknown>;
      for (const [key, value] of Object.entries(exported)) captureOutput(outputs, key, value);
      return exported;
    } catch (error) {
      failure = { error };
      return {};
    }
  });
  // Wait until every registration the program started has reached the mocks.
  await pulumi.runtime.disconnect();
  if (failure) throw failure.error;
  const resources = mocks.resources
    .filter((r) => r.type !== "pulumi:pulumi:Stack")
    .map((r) => {
      const key = `${r.type}::${r.name}`;
      const parent = parents.get(key);
      return { ...r, ...(parent === undefined ? {} : { parent }), ...options_.get(key) };
    });
  return { resources, outputs, mocks };
}

/**
 * Record one stack output as it resolves: "[unknown]" until then (in a
 * preview, values computed by providers never resolve), "[secret]" for
 * secrets, which are never unwrapped here.
 */
function captureOutput(into: Record<string, unknown>, key: string, value: unknown): void {
  if (value === undefined) return;
  into[key] = "[unknown]";
  const output = pulumi.output(value);
  void pulumi.isSecret(output).then((secret) => {
    if (secret) into[key] = "[secret]";
    else output.apply((v) => { into[key] = v; });
  });
}

type RecordedOptions = Pick<RecordedResource, "dependsOn" | "deleteBeforeReplace" | "provider">;

/**
 * The options the engine would see that mocks are not told: dependsOn edges,
 * deleteBeforeReplace and an explicit provider. dependsOn given as an Output
 * cannot be read synchronously and is left out.
 */
function recordedOptions(opts: pulumi.ResourceOptions, keys: Map<pulumi.Resource, string>): RecordedOptions {
  const out: RecordedOptions = {};
  const given = opts.dependsOn;
  const list = Array.isArray(given) ? given : given !== undefined && pulumi.Resource.isInstance(given) ? [given] : [];
  const names = list.flatMap((d) => (pulumi.Resource.isInstance(d) && keys.has(d) ? [keys.get(d)!] : []));
  if (names.length > 0) out.dependsOn = names;
  const deleteBeforeReplace = (opts as pulumi.CustomResourceOptions).deleteBeforeReplace;
  if (deleteBeforeReplace !== undefined) out.deleteBeforeReplace = deleteBeforeReplace;
  const provider = (opts as pulumi.CustomResourceOptions).provider;
  if (provider !== undefined && keys.has(provider)) out.provider = keys.get(provider)!;
  return out;
}
