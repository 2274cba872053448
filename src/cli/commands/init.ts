/** `edgeform init [dir]`: write a commented starter spec that validates. */
import type { Command } from "commander";
import { mkdir, writeFile } from "node:fs/promises";
import { basename, isAbsolute, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { EdgeformError } from "../../errors.js";
import { UsageError } from "../command.js";
import { invocationOf } from "../invocation.js";
import type { Io } from "../io.js";
import { starterSpec } from "../starter-spec.js";

export const STARTER_FILE = "topology.yaml";

/** The schema shipped with this package (dist/src/cli/commands → schema/). */
const schemaFile = fileURLToPath(new URL("../../../../schema/topology.schema.json", import.meta.url));

/** A valid spec name from a directory name: "My Shop_2" → "my-shop-2". */
export function nameFromDir(dir: string): string {
  const name = basename(dir).toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^[^a-z]+/, "").replace(/-+/g, "-").slice(0, 32).replace(/-+$/, "");
  return name === "" ? "my-topology" : name;
}

/**
 * How the written spec points editors at the schema: relative when the spec
 * and the package share a directory (a project with edgeform in node_modules),
 * absolute when the only thing they share is the filesystem root.
 */
export function schemaReference(specDir: string, schema: string = schemaFile): string {
  const rel = relative(specDir, schema);
  const shared = rel.split(sep).filter((p) => p === "..").length;
  const depth = resolve(specDir).split(sep).filter(Boolean).length;
  return (shared >= depth ? schema : rel).split(sep).join("/");
}

export function register(program: Command, io: Io, _setExit: (code: number) => void): void {
  program
    .command("init")
    .description("Write a commented starter spec (topology.yaml) that validates and runs with `edgeform dev`.")
    .argument("[dir]", "directory to write it in (created if missing)", ".")
    .option("-n, --name <name>", "topology name (default: from the directory name)")
    .option("--force", "overwrite an existing topology.yaml", false)
    .addHelpText(
      "after",
      `
Examples:
  edgeform init                 ./topology.yaml
  edgeform init my-cdn          my-cdn/topology.yaml, named "my-cdn"
  edgeform init . --name shop

Then:
  edgeform validate topology.yaml
  edgeform dev topology.yaml`,
    )
    .action(async (dir: string, opts: { name?: string; force: boolean }) => {
      const target = isAbsolute(dir) ? dir : resolve(io.cwd, dir);
      const name = opts.name ?? nameFromDir(target);
      if (!/^[a-z][a-z0-9-]{0,30}[a-z0-9]$|^[a-z]$/.test(name)) {
        throw new UsageError(`--name "${name}" is not a valid topology name: use lower-case letters, digits and dashes, starting with a letter (at most 32), e.g. "${nameFromDir(name)}"`);
      }
      const file = join(target, STARTER_FILE);
      const shown = relative(io.cwd, file) || STARTER_FILE;
      const schemaPath = schemaReference(target);
      await mkdir(target, { recursive: true });
      try {
        // "wx" fails if the file exists, so a concurrent init cannot clobber it either.
        await writeFile(file, starterSpec({ name, schema: schemaPath }), { flag: opts.force ? "w" : "wx" });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "EEXIST") {
          throw new EdgeformError("EF_CLI_FILE_EXISTS", `${shown} already exists; init does not overwrite it`, {
            hint: "pass --force to replace it, or choose another directory: `edgeform init <dir>`",
          });
        }
        throw new EdgeformError("EF_SPEC_IO", `cannot write ${shown}: ${(e as Error).message}`, { hint: "check that the directory is writable" });
      }
      io.err(`wrote ${shown} (topology "${name}")`);
      const { cli } = invocationOf(io);
      io.err(`next: ${cli(`validate ${shown}`)} && ${cli(`dev ${shown}`)}`);
    });
}
