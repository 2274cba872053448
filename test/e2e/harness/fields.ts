/**
 * Reading provider inputs strictly. Every translator names the fields it
 * understands; anything else is refused with an error that names the
 * resource and the field, so an input the harness would silently drop
 * becomes a failing test instead of a false pass.
 */
export class UntranslatedInputError extends Error {
  constructor(where: string, fields: string[]) {
    super(
      `${where}: the e2e harness does not translate ${fields.map((f) => `"${f}"`).join(", ")} ` +
        "to the Docker Engine API; add a translation (following the provider's documentation) or stop setting it",
    );
    this.name = "UntranslatedInputError";
  }
}

export type Record_ = Record<string, unknown>;

/** Throws when `obj` has a set field outside `allowed`. */
export function refuseUnknown(where: string, obj: Record_, allowed: readonly string[]): void {
  const unknown = Object.keys(obj).filter((k) => obj[k] !== undefined && obj[k] !== null && !allowed.includes(k));
  if (unknown.length) throw new UntranslatedInputError(where, unknown);
}

function isSet(v: unknown): boolean {
  return v !== undefined && v !== null;
}

export function optString(where: string, obj: Record_, key: string): string | undefined {
  const v = obj[key];
  if (!isSet(v)) return undefined;
  if (typeof v !== "string") throw new TypeError(`${where}.${key} must be a string, got ${JSON.stringify(v)}`);
  return v;
}

export function reqString(where: string, obj: Record_, key: string): string {
  const v = optString(where, obj, key);
  if (v === undefined || v === "") throw new TypeError(`${where}.${key} is required`);
  return v;
}

export function optNumber(where: string, obj: Record_, key: string): number | undefined {
  const v = obj[key];
  if (!isSet(v)) return undefined;
  if (typeof v !== "number" || !Number.isFinite(v)) throw new TypeError(`${where}.${key} must be a number, got ${JSON.stringify(v)}`);
  return v;
}

export function optBool(where: string, obj: Record_, key: string): boolean | undefined {
  const v = obj[key];
  if (!isSet(v)) return undefined;
  if (typeof v !== "boolean") throw new TypeError(`${where}.${key} must be a boolean, got ${JSON.stringify(v)}`);
  return v;
}

export function optStringList(where: string, obj: Record_, key: string): string[] | undefined {
  const v = obj[key];
  if (!isSet(v)) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) throw new TypeError(`${where}.${key} must be a list of strings`);
  return v as string[];
}

export function optStringMap(where: string, obj: Record_, key: string): Record<string, string> | undefined {
  const v = obj[key];
  if (!isSet(v)) return undefined;
  if (typeof v !== "object" || Array.isArray(v) || Object.values(v as Record_).some((x) => typeof x !== "string")) {
    throw new TypeError(`${where}.${key} must be a map of strings`);
  }
  return v as Record<string, string>;
}

export function optObject(where: string, obj: Record_, key: string): Record_ | undefined {
  const v = obj[key];
  if (!isSet(v)) return undefined;
  if (typeof v !== "object" || Array.isArray(v)) throw new TypeError(`${where}.${key} must be an object`);
  return v as Record_;
}

export function optObjectList(where: string, obj: Record_, key: string): Record_[] | undefined {
  const v = obj[key];
  if (!isSet(v)) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== "object" || x === null || Array.isArray(x))) {
    throw new TypeError(`${where}.${key} must be a list of objects`);
  }
  return v as Record_[];
}

/** The provider's `labels: [{ label, value }]` blocks as an Engine API label map. */
export function labelMap(where: string, obj: Record_, key = "labels"): Record<string, string> {
  const out: Record<string, string> = {};
  (optObjectList(where, obj, key) ?? []).forEach((l, i) => {
    const at = `${where}.${key}[${i}]`;
    refuseUnknown(at, l, ["label", "value"]);
    out[reqString(at, l, "label")] = optString(at, l, "value") ?? "";
  });
  return out;
}
