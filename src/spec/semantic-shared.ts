/**
 * What every semantic rule shares: how it reports, and defensive readers for a
 * document the schema may already have rejected (rules run anyway, so a file's
 * problems are all reported at once).
 */
import type { ErrorCode } from "../errors.js";
import type { Diagnostic, PathSegment, Severity } from "./diagnostics.js";
import type { LoadedSpec } from "./load.js";
import { suggest } from "./suggest.js";

export type Doc = Record<string, unknown>;
export type Obj = Record<string, unknown>;

export interface Ctx {
  spec: LoadedSpec;
  out: Diagnostic[];
  report(code: ErrorCode, path: PathSegment[], message: string, opts?: { suggestion?: string; severity?: Severity; part?: "key" | "value" }): void;
}

export type Rule = (doc: Doc, ctx: Ctx) => void;

export const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
export const objEntries = (v: unknown): Array<[string, Obj]> => (isObj(v) ? Object.entries(v).filter((e): e is [string, Obj] => isObj(e[1])) : []);
export const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/**
 * Names defined in a section. A section that is there but not a mapping gives
 * undefined: the schema reports it, and every reference into it would be a
 * false alarm.
 */
export const namesIn = (doc: Doc, key: string): Set<string> | undefined =>
  doc[key] === undefined || doc[key] === null ? new Set() : isObj(doc[key]) ? new Set(Object.keys(doc[key])) : undefined;
export const edge = (doc: Doc): Obj => (isObj(doc["edge"]) ? doc["edge"] : {});
export const listeners = (doc: Doc) => list(edge(doc)["listeners"]);
export const routes = (doc: Doc) => list(edge(doc)["routes"]);

/** Where each kind of named thing is defined, for "define it under …" hints. */
const SECTION_OF: Record<string, string> = { fleet: "fleets", cache: "caches", listener: "edge.listeners", receiver: "monitoring.alertmanager.receivers" };

export function unknownRef(ctx: Ctx, code: ErrorCode, kind: string, name: string, known: string[], path: PathSegment[], part: "key" | "value" = "value") {
  const guess = suggest(name, known);
  ctx.report(code, path, `${kind} "${name}" is not defined`, {
    part,
    suggestion: guess
      ? `did you mean "${guess}"?`
      : known.length
        ? `defined ${kind}s: ${known.slice(0, 10).join(", ")}${known.length > 10 ? `, … (${known.length} in all)` : ""}`
        : `define it under \`${SECTION_OF[kind] ?? "edge.listeners"}\``,
  });
}

/** How a message names the i-th list entry: by its name when it has one. */
export function entryLabel(kind: string, entry: unknown, i: number): string {
  const name = isObj(entry) ? str(entry["name"]) : undefined;
  return name !== undefined ? `${kind} "${name}"` : `${kind} #${i + 1}`;
}

export function balancerRules(ctx: Ctx, b: unknown, path: PathSegment[], tcp: boolean) {
  if (!isObj(b)) return;
  const algorithm = b["algorithm"];
  const key = str(b["hashKey"]);
  if (algorithm === "consistent-hash" && key === undefined) {
    ctx.report("EF_SPEC_HASH_KEY", path, "consistent-hash needs a hashKey", { part: "key", suggestion: tcp ? 'add `hashKey: client-ip`' : 'add `hashKey: "header:x-user-id"`, "cookie:<name>", "path" or "client-ip"' });
  }
  if (algorithm !== undefined && algorithm !== "consistent-hash" && (key !== undefined || b["boundedLoad"] !== undefined)) {
    ctx.report("EF_SPEC_HASH_KEY", [...path, key !== undefined ? "hashKey" : "boundedLoad"], `${key !== undefined ? "hashKey" : "boundedLoad"} only applies to consistent-hash, not ${String(algorithm)}`, { part: "key", suggestion: "remove it, or set `algorithm: consistent-hash`" });
  }
  if (tcp && key !== undefined && key !== "client-ip") {
    ctx.report("EF_SPEC_TCP_ROUTE_OPTION", [...path, "hashKey"], `a TCP listener can only hash on client-ip, not "${key}"`, { suggestion: "use `hashKey: client-ip`" });
  }
}
