/**
 * Reading PEM text where the runtime config says it is: a file, or an
 * environment variable holding a secret (EDGEFORM_SECRET_<NAME>).
 */
import { readFileSync } from "node:fs";
import { EdgeformError } from "../../errors.js";
import type { PemSourceConfig } from "../../plan/tls-config.js";

export function describePemSource(source: PemSourceConfig): string {
  return "file" in source ? source.file : `$${source.env}`;
}

/** Synchronous on purpose: certificates are read at start and reload, never on the request path. */
export function readPem(source: PemSourceConfig, env: NodeJS.ProcessEnv = process.env): string {
  if ("env" in source) {
    const value = env[source.env];
    if (value === undefined || value === "") {
      throw new EdgeformError("EF_PROXY_TLS", `the environment variable ${source.env} is not set; it should hold PEM text`, {
        hint: `export ${source.env}="$(cat file.pem)"`,
      });
    }
    return value;
  }
  try {
    return readFileSync(source.file, "utf8");
  } catch (e) {
    throw new EdgeformError("EF_PROXY_TLS", `cannot read ${source.file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, {
      hint: "check the path in the spec (relative to the spec file) and the file's permissions",
    });
  }
}

/** The files among sources (what a watcher follows). */
export function pemFiles(sources: readonly PemSourceConfig[]): string[] {
  return [...new Set(sources.flatMap((s) => ("file" in s ? [s.file] : [])))];
}
