/**
 * Tar archives for the Engine API: build contexts (`POST /build`) and
 * uploads (`PUT /containers/{id}/archive`). Files are streamed from where
 * they lie, so a build context made of the host's binaries is never copied
 * to a staging directory first.
 */
import { createReadStream, existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, statSync } from "node:fs";
import { basename, join, relative, sep } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import dockerignoreModule from "@balena/dockerignore";
import tar from "tar-stream";

// A CommonJS module whose `module.exports` is the factory (its types describe an ES default export).
const dockerignore = dockerignoreModule as unknown as typeof dockerignoreModule.default;

export interface TarEntry {
  /** Path inside the archive, relative, "/"-separated. */
  name: string;
  type: "file" | "directory" | "symlink";
  mode?: number;
  uid?: number;
  gid?: number;
  /** A file's bytes: from the host file `source`, or `content`. */
  source?: string;
  content?: Buffer;
  linkname?: string;
}

/** A tar stream of `entries`, in order; files are read when their turn comes. */
export function packEntries(entries: readonly TarEntry[]): Readable {
  const pack = tar.pack();
  const fixedTime = new Date(0);
  (async () => {
    for (const e of entries) {
      const header = { name: e.name, type: e.type, mode: e.mode ?? (e.type === "directory" ? 0o755 : 0o644), uid: e.uid ?? 0, gid: e.gid ?? 0, mtime: fixedTime };
      if (e.type === "symlink") {
        await new Promise<void>((resolve, reject) => pack.entry({ ...header, linkname: e.linkname! }, (err) => (err ? reject(err) : resolve())));
      } else if (e.type === "directory") {
        await new Promise<void>((resolve, reject) => pack.entry(header, (err) => (err ? reject(err) : resolve())));
      } else if (e.content !== undefined) {
        await new Promise<void>((resolve, reject) => pack.entry(header, e.content!, (err) => (err ? reject(err) : resolve())));
      } else {
        const size = statSync(e.source!).size;
        await pipeline(createReadStream(e.source!), pack.entry({ ...header, size }));
      }
    }
    pack.finalize();
  })().catch((err: Error) => pack.destroy(err));
  return pack;
}

/**
 * Every file, directory and symlink under `dir` as tar entries named
 * `prefix/<relative path>`, keeping what `keep` accepts. A directory `keep`
 * rejects is still walked when `descend` says something inside may be kept
 * (a .dockerignore exception such as `!dist/src/` under an excluded `dist`),
 * and listed only if something inside it is.
 */
export function treeEntries(
  dir: string,
  prefix: string,
  keep: (relPath: string) => boolean = () => true,
  descend: (relDir: string) => boolean = () => false,
): TarEntry[] {
  const walk = (abs: string): TarEntry[] => {
    const out: TarEntry[] = [];
    for (const child of readdirSync(abs).sort()) {
      const childAbs = join(abs, child);
      const rel = relative(dir, childAbs).split(sep).join("/");
      const name = prefix ? `${prefix}/${rel}` : rel;
      const st = lstatSync(childAbs);
      const kept = keep(rel);
      if (st.isDirectory()) {
        if (!kept && !descend(rel)) continue;
        const inside = walk(childAbs);
        if (kept || inside.length) out.push({ name, type: "directory", mode: st.mode & 0o7777 }, ...inside);
      } else if (!kept) continue;
      else if (st.isSymbolicLink()) out.push({ name, type: "symlink", linkname: readlinkSync(childAbs) });
      else if (st.isFile()) out.push({ name, type: "file", mode: st.mode & 0o7777, source: childAbs });
    }
    return out;
  };
  return walk(dir);
}

/** Whether an exception pattern (`!…`) of an ignore file could keep something under `relDir` (Docker walks such directories). */
export function exceptionsReach(patterns: string[], relDir: string): boolean {
  return patterns.some((p) => {
    const literal = p.split(/[*?[]/, 1)[0]!;
    // A wildcard before any "/" could match at any depth: walk.
    if (!literal.includes("/") && literal.length < p.length) return true;
    return literal.startsWith(`${relDir}/`) || `${relDir}/`.startsWith(literal.endsWith("/") ? literal : `${literal}/`);
  });
}

/**
 * The build context `docker build` would send: the context directory minus
 * what the ignore file excludes (`<Dockerfile>.dockerignore` next to the
 * Dockerfile when there is one, as BuildKit reads it, else the context's
 * .dockerignore), plus the Dockerfile under a reserved name when it lies
 * outside the context (as the provider does since v4).
 */
export function buildContextEntries(context: string, dockerfile: string): { entries: TarEntry[]; dockerfileName: string } {
  let keep: (rel: string) => boolean = () => true;
  let descend: (rel: string) => boolean = () => false;
  const ignoreFile = [`${dockerfile}.dockerignore`, join(context, ".dockerignore")].find((f) => existsSync(f));
  if (ignoreFile) {
    const text = readFileSync(ignoreFile, "utf8");
    const rules = dockerignore({ ignorecase: false }).add(text);
    const exceptions = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.startsWith("!")).map((l) => l.slice(1).replace(/^\/+/, "").replace(/\/+$/, ""));
    keep = (rel) => !rules.ignores(rel);
    descend = (rel) => exceptionsReach(exceptions, rel);
  }
  const entries = treeEntries(context, "", keep, descend);
  const rel = relative(context, dockerfile);
  if (!rel.startsWith("..") && !rel.startsWith(sep) && entries.some((e) => e.name === rel.split(sep).join("/"))) {
    return { entries, dockerfileName: rel.split(sep).join("/") };
  }
  const dockerfileName = `.edgeform-e2e.${basename(dockerfile)}`;
  entries.push({ name: dockerfileName, type: "file", content: readFileSync(dockerfile) });
  return { entries, dockerfileName };
}
