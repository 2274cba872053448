/**
 * Secrets a dev service reads from files (`*_file` / `credentials_file`
 * settings): each written from its `EDGEFORM_SECRET_<NAME>` variable, mode
 * 0600, in a 0700 directory, so the value is never in a config file or argv.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { secretEnvName } from "../plan/plan.js";

export interface SecretFile {
  secret: string;
  /** Relative to the service's directory. */
  path: string;
}

/** Writes every file (empty when its variable is unset, after `missing` is told); returns the values, to notice changes. */
export async function writeSecretFiles(dir: string, files: readonly SecretFile[], env: NodeJS.ProcessEnv, missing: (secret: string, variable: string) => void): Promise<string[]> {
  const values: string[] = [];
  for (const { secret, path } of files) {
    const variable = secretEnvName(secret);
    const value = env[variable];
    if (value === undefined) missing(secret, variable);
    const file = join(dir, path);
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    await writeFile(file, value ?? "", { mode: 0o600 });
    values.push(value ?? "");
  }
  return values;
}
