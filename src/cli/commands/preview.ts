/**
 * `edgeform preview`: the resources a deployment would create, computed
 * offline by running the stacks/ program under Pulumi's mocks — no engine,
 * no cloud account, no Docker. `--live` asks the real engine instead.
 */
import type { Command } from "commander";
import { resolve } from "node:path";
import { ExitCode } from "../../errors.js";
import { loadSpec } from "../../spec/load-spec.js";
import { formatOption } from "../command.js";
import type { Io } from "../io.js";
import { addLiveOptions, pickTarget, runLiveCommand, specTargetCommand, type LiveCommandOptions } from "./live.js";

interface PreviewOptions extends LiveCommandOptions {
  live?: boolean;
}

export function register(program: Command, io: Io, setExit: (code: number) => void): void {
  addLiveOptions(
    specTargetCommand(program, "preview", "List the resources a docker or aws target would get, offline (no engine, cloud or Docker needed)").option(
      "--live",
      "ask the real Pulumi engine instead (needs the pulumi CLI and credentials)",
    ),
  )
    .addHelpText(
      "after",
      `
Offline, the stacks/ program runs under Pulumi's mocks: every resource is
listed by component with its key inputs; secrets show as [secret], values
known only after deployment as [unknown].

Examples:
  edgeform preview examples/quickstart.yaml --target local
  edgeform preview shop.yaml --target aws --format json | jq '.summary'
  edgeform preview shop.yaml --target aws --live      the real engine's plan`,
    )
    .action(async (spec: string, opts: PreviewOptions) => {
      if (opts.live) {
        setExit(await runLiveCommand(io, "preview", spec, opts));
        return;
      }
      const format = formatOption(opts.format, ["text", "json"] as const, "text");
      const specPath = resolve(io.cwd, spec);
      const target = pickTarget(loadSpec(specPath), opts.target);
      // Loaded only here: the rest of the CLI (and the proxy image) never loads the Pulumi SDK.
      const { previewOffline } = await import("../../pulumi/preview.js");
      const { renderPreviewText } = await import("../../pulumi/render.js");
      const report = await previewOffline({ specPath, target, ...(opts.edgeBaseImage ? { edgeBaseImage: opts.edgeBaseImage } : {}) });
      io.out(format === "json" ? JSON.stringify(report, null, 2) : renderPreviewText(report));
      setExit(ExitCode.ok);
    });
}
