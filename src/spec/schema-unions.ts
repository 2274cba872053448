/**
 * ajv reports every failing branch of an anyOf. Before they become
 * diagnostics, keep only the branch the user meant, so one mistake gives one
 * message instead of a complaint from every alternative.
 */
import type { ErrorObject } from "ajv";
import { fromPointer } from "./diagnostics.js";

export type SchemaNode = Record<string, unknown>;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The key whose `const` tells the branches of a union apart (`provider` for targets), if there is one. */
function discriminator(options: SchemaNode[]): { key: string; values: unknown[] } | undefined {
  const first = options[0]?.["properties"] as Record<string, SchemaNode> | undefined;
  if (!first) return undefined;
  for (const key of Object.keys(first)) {
    const values = options.map((o) => (o["properties"] as Record<string, SchemaNode> | undefined)?.[key]?.["const"]);
    if (values.every((v) => v !== undefined)) return { key, values };
  }
  return undefined;
}

/**
 * ajv reports every failing branch of an anyOf. Keep only the branch the user
 * meant (for targets: the one whose `provider` matches; otherwise the branch
 * that got furthest), or one "must be one of" diagnostic when every branch
 * failed on the value's kind itself.
 */
export function resolveUnions(errors: readonly ErrorObject[], data: unknown): ErrorObject[] {
  const unions = errors.filter((e) => e.keyword === "anyOf");
  if (unions.length === 0) return [...errors];
  const dropped = new Set<ErrorObject>();
  const added: ErrorObject[] = [];
  for (const union of unions) {
    const prefix = union.schemaPath.slice(0, -"/anyOf".length) + "/anyOf/";
    const branches = new Map<number, ErrorObject[]>();
    for (const e of errors) {
      if (e === union || !e.schemaPath.startsWith(prefix) || !e.instancePath.startsWith(union.instancePath)) continue;
      const idx = Number(e.schemaPath.slice(prefix.length).split("/")[0]);
      branches.set(idx, [...(branches.get(idx) ?? []), e]);
    }
    const options = ((union.parentSchema as { anyOf?: SchemaNode[] } | undefined)?.anyOf ?? []);
    const value = valueAt(data, union.instancePath);
    // A branch is "wrong kind" when it failed at the union's own path on type or const.
    const shallow = (list: ErrorObject[]) =>
      list.every((e) => e.instancePath === union.instancePath && (e.keyword === "type" || e.keyword === "const"));
    let keep: number | undefined;
    const tag = discriminator(options);
    if (tag && isRecord(value)) {
      keep = options.findIndex((o) => (o["properties"] as Record<string, SchemaNode>)[tag.key]?.["const"] === value[tag.key]);
      if (keep < 0) {
        // No branch has this tag: one diagnostic about the tag beats a list of every branch's complaints.
        for (const list of branches.values()) list.forEach((e) => dropped.add(e));
        dropped.add(union);
        const missing = value[tag.key] === undefined;
        added.push({
          ...union,
          keyword: missing ? "required" : "enum",
          instancePath: missing ? union.instancePath : `${union.instancePath}/${tag.key}`,
          params: missing ? { missingProperty: tag.key, allowedValues: tag.values } : { allowedValues: tag.values },
          parentSchema: {},
        });
        continue;
      }
    }
    if (keep === undefined) {
      const deep = [...branches.entries()].filter(([, list]) => !shallow(list));
      if (deep.length > 0) keep = deep.sort((a, b) => a[1].length - b[1].length)[0]![0];
    }
    for (const [idx, list] of branches) if (idx !== keep) list.forEach((e) => dropped.add(e));
    if (keep !== undefined) dropped.add(union);
    else union.params = { ...union.params, options };
  }
  return [...errors.filter((e) => !dropped.has(e)), ...added];
}

export function valueAt(data: unknown, pointer: string): unknown {
  let cur: unknown = data;
  for (const seg of fromPointer(pointer)) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[String(seg)];
  }
  return cur;
}
