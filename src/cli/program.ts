/**
 * Assembles the edgeform CLI from one module per command. Nothing here does
 * work; each command file validates its options and calls spec/plan/dev/…
 */
import { Command, CommanderError } from "commander";
import { createRequire } from "node:module";
import type { CommandModule } from "./command.js";
import type { Io } from "./io.js";
import * as validate from "./commands/validate.js";
import * as graph from "./commands/graph.js";
import * as init from "./commands/init.js";
import * as plan from "./commands/plan.js";
import * as proxy from "./commands/proxy.js";
import * as origin from "./commands/origin.js";
import * as dev from "./commands/dev.js";
import * as preview from "./commands/preview.js";
import * as live from "./commands/live.js";
import * as alerts from "./commands/alerts.js";

const commands: CommandModule[] = [validate, graph, init, plan, dev, proxy, origin, preview, live, alerts];

export function buildProgram(io: Io, setExit: (code: number) => void): Command {
  const pkg = createRequire(import.meta.url)("../../../package.json") as { version: string };
  const program = new Command("edgeform")
    .description("Declarative CDN and load-balancer topologies: validate, graph, run locally (dev) and provision (Pulumi).")
    .version(pkg.version, "-V, --version")
    .showHelpAfterError("(run with --help for usage)")
    // Help goes through io, which shows the examples' `edgeform …` as this user can run them (see main.ts).
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .exitOverride()
    .addHelpText(
      "after",
      `
Examples:
  edgeform init my-cdn                          write a starter spec
  edgeform validate topology.yaml               check a spec (exit 1 when invalid)
  edgeform dev examples/quickstart.yaml         run the whole topology on this machine
  edgeform graph topology.yaml --format mermaid draw listeners → routes → caches → fleets
  edgeform preview topology.yaml --target prod  list the cloud resources, offline

Exit codes: 0 ok, 1 invalid spec or failed run, 2 usage error, 3 internal error.`,
    );
  for (const c of commands) c.register(program, io, setExit);
  for (const sub of program.commands) sub.exitOverride().showHelpAfterError("(run with --help for usage)");
  return program;
}

export { CommanderError };
