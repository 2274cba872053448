/**
 * The user's edgeform data directory, shared by `edgeform dev` (its local CA)
 * and the proxy run outside containers (its ACME state).
 */
import { homedir } from "node:os";
import { join } from "node:path";

/** EDGEFORM_DATA_DIR, else $XDG_DATA_HOME/edgeform, else the platform's usual place. */
export function edgeformDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env["EDGEFORM_DATA_DIR"]) return env["EDGEFORM_DATA_DIR"];
  if (env["XDG_DATA_HOME"]) return join(env["XDG_DATA_HOME"], "edgeform");
  const home = env["HOME"] ?? homedir();
  return process.platform === "darwin" ? join(home, "Library", "Application Support", "edgeform") : join(home, ".local", "share", "edgeform");
}
