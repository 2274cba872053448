/** `edgeform origin`: the demo backend used by the quickstart and the demo image. */
import type { Command } from "commander";
import { hostname } from "node:os";
import { EdgeformError, ExitCode } from "../../errors.js";
import { parsePort } from "../../dev/ports.js";
import { runOrigin } from "../../origin/run.js";
import { UsageError } from "../command.js";
import type { Io } from "../io.js";

interface OriginOptions {
  port?: string;
  host?: string;
  replica?: string;
  fleet?: string;
}

export function register(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command("origin")
    .description("Run the demo origin: it says which replica answered, and sets cache headers, ETags, latency and failures on demand")
    .option("-p, --port <n>", "port to listen on (default: $PORT, else 8080)")
    .option("--host <address>", "address to bind (default: $HOST, else 0.0.0.0)")
    .option("--replica <id>", "replica id shown in responses (default: $EDGEFORM_REPLICA, else the host name)")
    .option("--fleet <name>", "fleet name shown in responses (default: $EDGEFORM_FLEET)")
    .addHelpText(
      "after",
      `
Every response is JSON {replica, fleet, pid, path} with an X-Served-By header.
Query parameters steer it:
  cache=<seconds>   Cache-Control: public, max-age=<seconds>
  etag=1            a strong ETag; If-None-Match gets 304
  surrogate=<keys>  Surrogate-Key header (for purging by key)
  delay=<ms>        added latency        status=<code>  answer with this status
  size=<bytes>      a text body of exactly this size
Admin (direct requests only, not through a proxy):
  POST /admin/fail?rate=0.5[&status=503][&healthz=1]   fail a share of requests
  POST /admin/recover                                  back to normal
GET /healthz answers 200 (or fails when injected with healthz=1).

Examples:
  edgeform origin --port 8081
  curl -i 'http://127.0.0.1:8081/static/logo.png?cache=60&etag=1&surrogate=logos'
  curl -X POST 'http://127.0.0.1:8081/admin/fail?rate=0.5'`,
    )
    .action(async (opts: OriginOptions) => {
      const portText = opts.port ?? io.env["PORT"] ?? "8080";
      const port = parsePort(portText);
      if (port === undefined) throw new UsageError(`--port (or $PORT) must be a port number 1-65535, got "${portText}"`);
      const host = opts.host ?? io.env["HOST"] ?? "0.0.0.0";
      const replica = opts.replica ?? io.env["EDGEFORM_REPLICA"] ?? hostname();
      const fleet = opts.fleet ?? io.env["EDGEFORM_FLEET"] ?? "";
      try {
        await runOrigin({ port, host, replica, fleet, log: (l) => io.err(l) });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "EADDRINUSE") {
          throw new EdgeformError("EF_DEV_PORT_IN_USE", `port ${port} on ${host} is already in use`, { hint: "pick another with --port <n> (or set $PORT)" });
        }
        throw e;
      }
      setExit(ExitCode.ok);
    });
}
