/** `edgeform plan <spec> --target <name>`: the DeploymentPlan a target gets, offline. */
import type { Command } from "commander";
import { EdgeformError } from "../../errors.js";
import { DEV_TARGET, planDeployment } from "../../plan/plan.js";
import { suggest } from "../../spec/suggest.js";
import { formatOption } from "../command.js";
import { findOnPath } from "../../dev/executables.js";
import type { Topology } from "../../spec/types.js";
import { formatPlanText, type DevMachine } from "../format/plan-text.js";
import { paint, type Io } from "../io.js";
import { readValidSpec } from "../spec-input.js";

const FORMATS = ["text", "json"] as const;

export function register(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command("plan")
    .description("Show what a spec becomes on one target: every name, port, replica, address and generated config.")
    .argument("<spec>", "spec file (YAML or JSON)")
    .option("-t, --target <name>", `a target from the spec's \`targets\`, or "${DEV_TARGET}" (always defined: this machine)`, DEV_TARGET)
    .option("-f, --format <format>", `output format: ${FORMATS.join(", ")}`, "text")
    .addHelpText(
      "after",
      `
Planning is pure: nothing is contacted or started, so this runs anywhere.

Examples:
  edgeform plan topology.yaml                          the "${DEV_TARGET}" target, as a summary
  edgeform plan topology.yaml --target prod            an AWS target
  edgeform plan topology.yaml -t local --format json | jq .proxyConfig.routes

An invalid spec is reported as by \`edgeform validate\` (exit 1); an unknown
target exits 1 and lists the defined ones.`,
    )
    .action(async (spec: string, opts: { target: string; format?: string }) => {
      const format = formatOption(opts.format, FORMATS, "text");
      const input = await readValidSpec(spec, io, format);
      if (!input.ok) return setExit(input.exit);
      const targets = [DEV_TARGET, ...Object.keys(input.topology.targets ?? {}).filter((t) => t !== DEV_TARGET)];
      if (!targets.includes(opts.target)) {
        const guess = suggest(opts.target, targets);
        throw new EdgeformError("EF_SPEC_UNKNOWN_TARGET", `target "${opts.target}" is not defined in ${spec}`, {
          hint: `${guess ? `did you mean "${guess}"? ` : ""}defined targets: ${targets.join(", ")}; add others under \`targets:\``,
        });
      }
      const plan = planDeployment(input.topology, opts.target);
      const machine = plan.target.provider === "dev" ? devMachine(input.topology, io) : undefined;
      io.out(format === "json" ? JSON.stringify(plan, null, 2) : formatPlanText(plan, (c, t) => paint(io, c, t), machine));
    });
}

/** What `edgeform dev` finds on this machine, so the dev plan says what it will really run. */
function devMachine(topology: Topology, io: Io): DevMachine {
  return {
    redisCaches: Object.entries(topology.caches ?? {}).filter(([, c]) => c.redis !== undefined).map(([name]) => name),
    redisInstalled: findOnPath("redis-server", io.env["PATH"]) !== undefined,
    prometheusInstalled: findOnPath("prometheus", io.env["PATH"]) !== undefined,
  };
}
