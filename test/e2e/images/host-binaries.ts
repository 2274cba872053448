/**
 * A host binary and the shared libraries it loads, as tar entries for a
 * `FROM scratch` image: the real file (symlinks resolved) at the path asked
 * for, plus every library `ldd` lists at the path the loader will look in.
 */
import { execFileSync } from "node:child_process";
import { realpathSync } from "node:fs";
import type { TarEntry } from "../harness/build-context.js";

/** Absolute paths of the shared libraries `ldd` reports, the dynamic loader included. */
export function sharedLibraries(binary: string): string[] {
  const out = execFileSync("ldd", [binary], { encoding: "utf8" });
  return parseLdd(out);
}

/** Parses `ldd` output: "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x…)" and "/lib64/ld-linux-x86-64.so.2 (0x…)". */
export function parseLdd(output: string): string[] {
  const paths = new Set<string>();
  for (const line of output.split("\n")) {
    const arrow = /=>\s*(\/\S+)\s*\(/.exec(line);
    const bare = /^\s*(\/\S+)\s*\(/.exec(line);
    if (/not found/.test(line)) throw new Error(`ldd: a library is missing: ${line.trim()}`);
    const path = arrow?.[1] ?? bare?.[1];
    if (path) paths.add(path);
  }
  return [...paths];
}

/** Tar entries that put `binary` at `target` (executable) with its libraries. */
export function binaryEntries(binary: string, target: string): TarEntry[] {
  const entries: TarEntry[] = [{ name: strip(target), type: "file", mode: 0o755, source: realpathSync(binary) }];
  for (const lib of sharedLibraries(binary)) entries.push({ name: strip(lib), type: "file", mode: 0o755, source: realpathSync(lib) });
  return entries;
}

/** Parent directories every entry needs, so the archive never depends on implicit directory creation. */
export function withParentDirectories(entries: TarEntry[], extra: Array<{ path: string; mode?: number; uid?: number; gid?: number }> = []): TarEntry[] {
  const seen = new Map<string, TarEntry>();
  const dirs: TarEntry[] = [];
  const addDir = (name: string, mode = 0o755, uid = 0, gid = 0) => {
    if (!name || seen.has(name)) return;
    const parent = name.split("/").slice(0, -1).join("/");
    addDir(parent);
    const dir: TarEntry = { name, type: "directory", mode, uid, gid };
    seen.set(name, dir);
    dirs.push(dir);
  };
  for (const d of extra) addDir(strip(d.path), d.mode, d.uid, d.gid);
  const files: TarEntry[] = [];
  const names = new Set<string>();
  for (const e of entries) {
    if (e.type === "directory") addDir(e.name, e.mode, e.uid, e.gid);
    else {
      addDir(e.name.split("/").slice(0, -1).join("/"));
      if (!names.has(e.name)) files.push(e);
      names.add(e.name);
    }
  }
  return [...dirs, ...files];
}

function strip(path: string): string {
  return path.replace(/^\/+/, "").replace(/\/+$/, "");
}
