/**
 * Finding programs for `edgeform dev`: optional tools on PATH (redis-server,
 * prometheus), and an `edgeform` command for children so `dev.command:
 * edgeform origin` works from a fresh clone, where edgeform is not installed
 * globally.
 */
import { accessSync, constants, mkdirSync, writeFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The absolute path of an executable on PATH, or undefined. */
export function findOnPath(name: string, pathVar: string | undefined): string | undefined {
  for (const dir of (pathVar ?? "").split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** This package's CLI entry (bin/edgeform.js), from dist/src/dev/. */
export function edgeformBin(): string {
  return fileURLToPath(new URL("../../../bin/edgeform.js", import.meta.url));
}

/** The proxy's entry point (dist/src/proxy/main.js), from dist/src/dev/. */
export function proxyMain(): string {
  return fileURLToPath(new URL("../proxy/main.js", import.meta.url));
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Write `<dir>/edgeform`, a shell script running this edgeform with this Node
 * (the system node may be too old), and return dir for the front of PATH.
 */
export function writeEdgeformShim(dir: string, node = process.execPath, bin = edgeformBin()): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "edgeform"), `#!/bin/sh\nexec ${shellQuote(node)} ${shellQuote(bin)} "$@"\n`, { mode: 0o755 });
  return dir;
}
