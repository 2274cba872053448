/** `edgeform dev <spec>`: run the whole topology on this machine as processes. */
import type { Command } from "commander";
import { resolve } from "node:path";
import { parsePort } from "../../dev/ports.js";
import { runDevSession } from "../../dev/session.js";
import { formatOption, UsageError } from "../command.js";
import { formatText } from "../format/text.js";
import { invocationOf } from "../invocation.js";
import { paint, type Io } from "../io.js";

interface DevOptions {
  port?: string;
  watch: boolean;
  tty: boolean;
  format?: string;
}

export function register(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command("dev")
    .description("Run the whole topology on this machine as processes: replicas, the edge proxy, Redis and Prometheus when installed")
    .argument("<spec>", "topology spec file (YAML or JSON)")
    .option("-p, --port <n>", "port of the first HTTP listener (default: the spec's port)")
    .option("--no-watch", "do not re-apply the spec when the file changes")
    .option("--no-tty", "plain log lines even on a terminal (no live view, no keys)")
    .option("--format <format>", "text (live view or log lines) or json (one event object per line on stdout)", "text")
    .addHelpText(
      "after",
      `
Every replica of a fleet with an image runs its \`dev.command\` (with $PORT, $HOST,
$EDGEFORM_FLEET and $EDGEFORM_REPLICA set; \`edgeform\` is on its PATH); fleets with
\`endpoints\` are used as they are. The edge is the real proxy with the plan's config.
Edits to the spec are applied live; an invalid edit is reported and the running
topology kept. Ctrl-C stops everything that was started.

Keys in the live view: r restart a replica (in turn), p purge the cache, q quit.

Examples:
  edgeform dev examples/quickstart.yaml
  edgeform dev topology.yaml --port 3000          the edge on :3000
  edgeform dev topology.yaml --no-tty --no-watch  plain logs, no reloads (CI)
  edgeform dev topology.yaml --format json | jq -c 'select(.event == "ready")'`,
    )
    .action(async (spec: string, opts: DevOptions) => {
      const format = formatOption(opts.format, ["text", "json"] as const, "text");
      let port: number | undefined;
      if (opts.port !== undefined) {
        port = parsePort(opts.port);
        if (port === undefined) throw new UsageError(`--port must be a port number 1-65535, got "${opts.port}"`);
      }
      const code = await runDevSession({
        specFile: resolve(io.cwd, spec),
        specName: spec,
        ...(port !== undefined ? { port } : {}),
        portOption: invocationOf(io).withOptions("--port"),
        watch: opts.watch,
        format,
        tty: opts.tty,
        io,
        // The same text as `edgeform validate` prints.
        formatDiagnostics: (diagnostics, source) => formatText([{ file: spec, source: source ?? "", diagnostics: [...diagnostics] }], { paint: (c, t) => paint(io, c, t) }),
      });
      setExit(code);
    });
}
