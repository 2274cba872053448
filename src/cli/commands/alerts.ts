/** `edgeform alerts test <spec> [label=value…]`: which receiver each alert reaches, offline. */
import type { Command } from "commander";
import { EdgeformError, ExitCode } from "../../errors.js";
import { exampleAlerts, parseLabelArgs, receiversFor, type Labels } from "../../plan/monitoring/alert-routing.js";
import { DEV_TARGET, planDeployment } from "../../plan/plan.js";
import { formatOption, UsageError } from "../command.js";
import { paint, type Io } from "../io.js";
import { readValidSpec } from "../spec-input.js";

const FORMATS = ["text", "json"] as const;

interface Routed {
  labels: Labels;
  receivers: string[];
}

export function register(program: Command, io: Io, setExit: (code: number) => void): void {
  const alerts = program.command("alerts").description("Check alert delivery before deploying it.");
  alerts
    .command("test")
    .description("Show which Alertmanager receiver each alert reaches, through the routing tree the spec generates.")
    .argument("<spec>", "spec file (YAML or JSON) with monitoring.alertmanager")
    .argument("[labels...]", "one alert's labels as label=value (default: an example of every alert edgeform generates)")
    .option("-t, --target <name>", `target to plan for; routing is the same on every target`, DEV_TARGET)
    .option("--verify-receivers <names>", "with labels: exit 1 unless the alert reaches exactly these receivers (comma-separated, in order)")
    .option("-f, --format <format>", `output format: ${FORMATS.join(", ")}`, "text")
    .exitOverride()
    .showHelpAfterError("(run with --help for usage)")
    .addHelpText(
      "after",
      `
Routing works as in Alertmanager (and \`amtool config routes test\`): the
routing tree is searched depth first, the first matching child route takes
the alert unless it has \`continue: true\`, and the root's receiver takes
whatever no child matches. Nothing is contacted: this runs anywhere.

Without labels, every alert edgeform generates for the spec is routed with
example labels (its severity, source, slo, and the spec's first route,
fleet and cache), so you see at once who is paged for what.

Examples:
  edgeform alerts test topology.yaml                                  every generated alert → its receivers
  edgeform alerts test topology.yaml alertname=EdgeformFleetDown severity=critical
  edgeform alerts test topology.yaml severity=page --verify-receivers oncall    (exit 1 if not)
  edgeform alerts test topology.yaml --format json | jq '.alerts[] | select(.receivers[0] == "chat")'

Exit codes: 0 ok, 1 invalid spec or --verify-receivers mismatch, 2 usage error.`,
    )
    .action(async (spec: string, labelArgs: string[], opts: { target: string; verifyReceivers?: string; format?: string }) => {
      const format = formatOption(opts.format, FORMATS, "text");
      const { labels, bad } = parseLabelArgs(labelArgs);
      if (bad.length > 0) throw new UsageError(`labels are written label=value, got ${bad.map((b) => `"${b}"`).join(", ")}`);
      if (opts.verifyReceivers !== undefined && labelArgs.length === 0) throw new UsageError("--verify-receivers needs the labels of one alert, e.g. severity=page");
      const input = await readValidSpec(spec, io, format);
      if (!input.ok) return setExit(input.exit);
      const plan = planDeployment(input.topology, opts.target);
      const am = plan.monitoring.alertmanager;
      if (!am) {
        throw new EdgeformError("EF_CLI_USAGE", `${spec} has no alert delivery on target "${opts.target}": monitoring.alertmanager is missing or disabled`, {
          hint: "add `monitoring.alertmanager` with receivers and a route (see examples/alerting.yaml)",
        });
      }
      const sets = labelArgs.length > 0 ? [labels] : exampleAlerts(plan);
      const routed: Routed[] = sets.map((l) => ({ labels: l, receivers: receiversFor(am.route, l) }));
      if (format === "json") io.out(JSON.stringify({ spec, target: opts.target, alerts: routed }, null, 2));
      else io.out(formatRouted(routed, io));
      if (opts.verifyReceivers !== undefined) {
        const want = opts.verifyReceivers.split(",").map((s) => s.trim()).filter(Boolean);
        const got = routed[0]!.receivers;
        if (want.join(",") !== got.join(",")) {
          io.err(`${paint(io, "red", "✖")} expected receivers ${want.join(", ")}, the alert reaches ${got.join(", ")}`);
          setExit(ExitCode.invalid);
        }
      }
    });
}

function formatRouted(routed: Routed[], io: Io): string {
  const shown = routed.map((r) => {
    const { alertname, ...rest } = r.labels;
    const labels = Object.entries(rest).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${v}`).join(" ");
    return { name: alertname ?? "(no alertname)", labels, receivers: r.receivers.join(", ") };
  });
  const nameWidth = Math.max(...shown.map((s) => s.name.length));
  const labelWidth = Math.max(...shown.map((s) => s.labels.length));
  return shown
    .map((s) => `${s.name.padEnd(nameWidth)}  ${paint(io, "dim", s.labels.padEnd(labelWidth))}  → ${paint(io, "bold", s.receivers)}`)
    .join("\n");
}
