/**
 * ajv's errors → diagnostics that teach: one per real problem (unions
 * resolved to the branch the user meant), with the path as people write it,
 * the value that was found and, where we can guess it, the fix.
 */
import type { ErrorObject } from "ajv";
import type { ErrorCode } from "../errors.js";
import { displayPath, fromPointer, type Diagnostic, type PathSegment } from "./diagnostics.js";
import type { LoadedSpec } from "./load.js";
import { ENTRY_NAME_PATTERN } from "./schema.js";
import { resolveUnions, valueAt, type SchemaNode } from "./schema-unions.js";
import { suggest } from "./suggest.js";
import { DURATION_PATTERN, SIZE_PATTERN, suggestDuration, suggestSize } from "./units.js";

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function schemaDiagnostics(errors: readonly ErrorObject[], spec: LoadedSpec): Diagnostic[] {
  return resolveUnions(errors, spec.data)
    .map((e) => toDiagnostic(e, spec))
    .filter((d): d is Diagnostic => d !== undefined);
}

/** A value quoted for a message: short, and safe for anything YAML can produce. */
export function show(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "object" && value !== null) return Array.isArray(value) ? "a list" : "a mapping";
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}…"` : text;
}

export function describe(value: unknown): string {
  if (value === null) return "null (an empty value)";
  if (typeof value === "object") return show(value);
  return `${typeof value === "number" ? "the number" : typeof value === "boolean" ? "the boolean" : "the string"} ${show(value)}`;
}

function toDiagnostic(e: ErrorObject, spec: LoadedSpec): Diagnostic | undefined {
  const path = fromPointer(e.instancePath);
  const where = e.instancePath === "" ? "the top level" : displayPath(path);
  const value = valueAt(spec.data, e.instancePath);
  const schema = (e.parentSchema ?? {}) as SchemaNode;
  const make = (code: ErrorCode, message: string, at: readonly PathSegment[] = path, part: "key" | "value" = "value"): Diagnostic => {
    const d: Diagnostic = { code, severity: "error", message, path: "", file: spec.file, range: spec.locate(at, part) };
    d.path = at === path ? e.instancePath : "/" + at.map((s) => String(s).replace(/~/g, "~0").replace(/\//g, "~1")).join("/");
    return d;
  };
  switch (e.keyword) {
    case "additionalProperties": {
      const key = String(e.params["additionalProperty"]);
      const keyPattern = Object.keys((schema["patternProperties"] as object | undefined) ?? {})[0];
      if (keyPattern !== undefined) return badKeyDiagnostic(make, where, key, keyPattern, [...path, key], e.instancePath);
      const known = Object.keys((schema["properties"] as object | undefined) ?? {});
      const d = make("EF_SPEC_SCHEMA_UNKNOWN_KEY", `"${key}" is not a known key ${e.instancePath === "" ? "at the top level" : `in ${where}`}`, [...path, key], "key");
      const guess = suggest(key, known);
      if (guess) d.suggestion = `did you mean "${guess}"?`;
      else if (known.length) d.suggestion = `known keys here: ${known.join(", ")}`;
      return d;
    }
    case "required": {
      const key = String(e.params["missingProperty"]);
      const d = make("EF_SPEC_SCHEMA_REQUIRED", `${where} is missing the required key "${key}"`, path, path.length ? "key" : "value");
      // A missing key next to an unknown one that looks like it is almost always a typo.
      const typo = isRecord(value) ? Object.keys(value).find((k) => k !== key && suggest(k, [key]) === key) : undefined;
      const allowed = e.params["allowedValues"] as unknown[] | undefined;
      d.suggestion = typo
        ? `rename "${typo}" to "${key}"`
        : `add \`${key}:\`${allowed ? ` (one of ${allowed.map(show).join(", ")})` : ""}`;
      return d;
    }
    case "type":
      return typeDiagnostic(make, where, value, String(e.params["type"]), schema);
    case "const":
    case "enum": {
      const allowed = e.keyword === "const" ? [e.params["allowedValue"]] : (e.params["allowedValues"] as unknown[]);
      return enumDiagnostic(make, where, value, allowed);
    }
    case "anyOf":
      return unionDiagnostic(make, where, value, (e.params["options"] as SchemaNode[] | undefined) ?? []);
    case "minimum":
    case "maximum":
    case "exclusiveMinimum":
    case "exclusiveMaximum": {
      const bound = { minimum: "at least", maximum: "at most", exclusiveMinimum: "above", exclusiveMaximum: "below" }[e.keyword];
      const d = make("EF_SPEC_SCHEMA_RANGE", `${where} must be ${bound} ${String(e.params["limit"])}, got ${show(value)}`);
      const range = rangeText(schema);
      if (range) d.suggestion = `use a value ${range}`;
      return d;
    }
    case "pattern":
      return patternDiagnostic(make, where, value, String(e.params["pattern"]), schema, path);
    case "minItems":
    case "maxItems":
    case "minLength":
    case "maxLength":
    case "minProperties":
    case "maxProperties":
      return lengthDiagnostic(make, where, e);
    case "propertyNames":
      return undefined; // the nested pattern error names the key itself
    case "uniqueItems": {
      const { i, j } = e.params as { i: number; j: number };
      const d = make("EF_SPEC_SCHEMA", `${where} lists ${show((value as unknown[])[i])} twice (items ${j + 1} and ${i + 1})`, [...path, i]);
      d.path = `${e.instancePath}/${i}`;
      d.suggestion = "remove the repeated item";
      return d;
    }
    default:
      return make("EF_SPEC_SCHEMA", `${where} ${e.message ?? "does not match the schema"}`);
  }
}

/** A key of a name-keyed mapping (fleets, env, …) that breaks the naming rule. */
function badKeyDiagnostic(make: Make, where: string, key: string, pattern: string, at: PathSegment[], parentPointer: string): Diagnostic {
  const d = make("EF_SPEC_SCHEMA_FORMAT", `"${key}" is not a valid key in ${where}`, at, "key");
  d.path = `${parentPointer}/${key.replace(/~/g, "~0").replace(/\//g, "~1")}`;
  if (pattern === ENTRY_NAME_PATTERN) {
    d.message = `"${key}" is not a valid name in ${where}: names are lower-case letters, digits and dashes, starting with a letter`;
    const fixed = key.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^[^a-z]+/, "").replace(/-+$/, "");
    if (fixed) d.suggestion = `rename it to "${fixed}" (and every reference to it)`;
  } else if (pattern.startsWith("^[A-Za-z_]")) {
    d.message = `"${key}" is not a valid environment variable name in ${where}`;
    const fixed = key.replace(/[^A-Za-z0-9_]+/g, "_").replace(/^[0-9]+/, "");
    if (fixed) d.suggestion = `use letters, digits and underscores, e.g. "${fixed.toUpperCase()}"`;
  } else if (pattern === "^[A-Za-z0-9-]+$") {
    d.message = `"${key}" is not a valid header name in ${where}`;
    d.suggestion = "header names are letters, digits and dashes, e.g. x-canary";
  } else {
    d.suggestion = `keys here must match ${pattern}`;
  }
  return d;
}

type Make = (code: ErrorCode, message: string, at?: readonly PathSegment[], part?: "key" | "value") => Diagnostic;

function typeDiagnostic(make: Make, where: string, value: unknown, type: string, schema: SchemaNode): Diagnostic {
  const pattern = schema["pattern"];
  if (pattern === DURATION_PATTERN) {
    const d = make("EF_SPEC_SCHEMA_TYPE", `${where} must be a duration with a unit, like "5s", not ${describe(value)}`);
    const fix = suggestDuration(value);
    d.suggestion = fix ? `write "${fix}"` : 'write a number followed by ms, s, m, h or d, e.g. "5s"';
    return d;
  }
  if (pattern === SIZE_PATTERN) {
    const d = make("EF_SPEC_SCHEMA_TYPE", `${where} must be a size with a unit, like "256MiB", not ${describe(value)}`);
    const fix = suggestSize(value);
    d.suggestion = fix ? `write "${fix}"` : 'write a number followed by B, KiB, MiB or GiB, e.g. "256MiB"';
    return d;
  }
  const d = make("EF_SPEC_SCHEMA_TYPE", `${where} must be ${article(type)}, not ${describe(value)}`);
  const isSecretRef = isRecord(schema["properties"]) && "secret" in schema["properties"];
  if (isSecretRef && typeof value === "string") {
    d.message = `${where} must name a secret, not contain it: secrets never belong in the spec`;
    d.suggestion = "write `{ secret: <name> }` and store the value with `pulumi config set --secret <name>` (or EDGEFORM_SECRET_<NAME> for edgeform dev)";
  } else if (typeof value === "string" && (type === "integer" || type === "number") && value.trim() !== "" && Number.isFinite(Number(value))) {
    d.suggestion = `remove the quotes: ${Number(value)}`;
  } else if (typeof value === "string" && type === "boolean" && /^(true|false)$/i.test(value)) {
    d.suggestion = `remove the quotes: ${value.toLowerCase()}`;
  } else if (value === null) {
    d.suggestion = "give it a value, or remove the key";
  } else if (type === "array" && value !== undefined && !Array.isArray(value) && typeof value !== "object") {
    d.suggestion = `make it a list: [${show(value)}]`;
  } else {
    const shape = expectedShape(type, schema, value, where.split(".").pop() ?? where);
    d.message = `${where} must be ${shape.what}, not ${describe(value)}`;
    d.suggestion = shape.fix;
  }
  return d;
}

/**
 * What a value of the wrong type should look like, from its schema: a mapping
 * lists its keys (and a boolean given where a mapping with `enabled` is
 * expected becomes `{ enabled: … }`), a number its range, a boolean what it
 * switches on.
 */
function expectedShape(type: string, schema: SchemaNode, value: unknown, key: string): { what: string; fix: string } {
  const description = typeof schema["description"] === "string" ? schema["description"].replace(/\.$/, "") : undefined;
  if (type === "object" && isRecord(schema["properties"])) {
    const keys = Object.keys(schema["properties"]);
    const enabled = isRecord(schema["properties"]["enabled"]) && schema["properties"]["enabled"]["type"] === "boolean";
    const fix = typeof value === "boolean" && enabled ? `write \`${key}: { enabled: ${value} }\`` : `write it as \`${key}: { ${keys[0]}: … }\``;
    return { what: `a mapping with the keys ${keys.join(", ")}`, fix };
  }
  if (type === "integer" || type === "number") {
    const word = type === "integer" ? "a whole number" : "a number";
    const range = rangeText(schema);
    const example = typeof schema["default"] === "number" ? schema["default"] : typeof schema["minimum"] === "number" ? schema["minimum"] : 1;
    return { what: range ? `${word} ${range}` : word, fix: `write a number without quotes or units, e.g. \`${key}: ${example}\`` };
  }
  if (type === "boolean") {
    return { what: "true or false", fix: description ? `write true or false (true: ${description})` : "write true or false" };
  }
  return { what: article(type), fix: description ? `expected: ${description}` : `write ${article(type)}` };
}

function enumDiagnostic(make: Make, where: string, value: unknown, allowed: unknown[]): Diagnostic {
  const list = allowed.map(show).join(", ");
  const d = make("EF_SPEC_SCHEMA_ENUM", allowed.length === 1 ? `${where} must be ${list}, got ${show(value)}` : `${where} must be one of ${list}, got ${show(value)}`);
  const guess = typeof value === "string" ? suggest(value, allowed.filter((a): a is string => typeof a === "string")) : undefined;
  if (guess) d.suggestion = `did you mean "${guess}"?`;
  else if (allowed.length === 1) d.suggestion = `write ${list}`;
  return d;
}

function unionDiagnostic(make: Make, where: string, value: unknown, options: SchemaNode[]): Diagnostic {
  const consts = options.map((o) => o["const"]).filter((c) => c !== undefined);
  const others = options.filter((o) => o["const"] === undefined);
  if (others.length === 0 && consts.length > 0) return enumDiagnostic(make, where, value, consts);
  const kinds = [...new Set(others.map((o) => {
    const kind = o["type"] === "object" ? "a mapping" : article(String(o["type"]));
    const range = rangeText(o);
    return range ? `${kind} ${range}` : kind;
  }))];
  const choices = consts.length > 0 ? [`one of ${consts.map(show).join(", ")}`, ...kinds] : kinds;
  const d = make("EF_SPEC_SCHEMA_TYPE", `${where} must be ${choices.join(" or ")}, got ${describe(value)}`);
  const guess = typeof value === "string" ? suggest(value, consts.filter((c): c is string => typeof c === "string")) : undefined;
  if (guess) d.suggestion = `did you mean "${guess}"?`;
  return d;
}

function patternDiagnostic(make: Make, where: string, value: unknown, pattern: string, schema: SchemaNode, path: PathSegment[]): Diagnostic {
  const d = make("EF_SPEC_SCHEMA_FORMAT", `${where} has a bad format: ${show(value)}`);
  const text = typeof value === "string" ? value : "";
  if (pattern === DURATION_PATTERN) {
    d.message = `${where} must be a duration like "500ms", "5s" or "1m", got ${show(value)}`;
    const fix = suggestDuration(value);
    d.suggestion = fix ? `write "${fix}"` : "write a number followed by ms, s, m, h or d";
  } else if (pattern === SIZE_PATTERN) {
    d.message = `${where} must be a size like "256MiB" or "1GiB", got ${show(value)}`;
    const fix = suggestSize(value);
    d.suggestion = fix ? `write "${fix}"` : "write a number followed by B, KiB, MiB, GiB (or KB, MB, GB)";
  } else if (path.includes("endpoints") || path.at(-1) === "address") {
    d.message = `${where} must be "host:port" or "[ipv6]:port", got ${show(value)}`;
    const bare = text.replace(/^[a-z]+:\/\//i, "").replace(/\/.*$/, "");
    if (/^[a-z]+:\/\//i.test(text)) d.suggestion = `drop the scheme and path: "${/:[0-9]+$/.test(bare) ? bare : `${bare}:${text.startsWith("https") ? 443 : 80}`}"`;
    else if (!text.includes(":")) d.suggestion = `add the port: "${text}:80"`;
    else d.suggestion = 'write "host:port", e.g. "origin.example.com:80" or "10.0.0.5:8080"';
  } else if (schema["description"] && String(schema["description"]).includes("lower-case name")) {
    d.message = `${where} must be a short lower-case name (letters, digits and dashes, starting with a letter), got ${show(value)}`;
    const fixed = text.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^[^a-z]+/, "").replace(/-+$/, "").slice(0, 32);
    if (fixed && fixed !== text) d.suggestion = `write "${fixed}"`;
  } else if (pattern === "^/") {
    d.message = `${where} must start with "/", got ${show(value)}`;
    d.suggestion = `write "/${text}"`;
  } else if (typeof schema["description"] === "string") {
    d.suggestion = schema["description"];
  }
  return d;
}

function lengthDiagnostic(make: Make, where: string, e: ErrorObject): Diagnostic {
  const limit = Number(e.params["limit"]);
  const what = e.keyword.endsWith("Items") ? "item" : e.keyword.endsWith("Length") ? "character" : "entry";
  const plural = limit === 1 ? what : what === "entry" ? "entries" : `${what}s`;
  const bound = e.keyword.startsWith("min") ? "at least" : "at most";
  const d = make("EF_SPEC_SCHEMA_LENGTH", `${where} must have ${bound} ${limit} ${plural}`);
  if (e.keyword.startsWith("min") && limit === 1) d.suggestion = `add ${what === "character" ? "a value" : "one"}, or remove the key if it is optional`;
  return d;
}

/** "between 1 and 65535", "of at least 0", … for a number schema, if it has bounds. */
function rangeText(schema: SchemaNode): string | undefined {
  const min = schema["minimum"];
  const max = schema["maximum"];
  if (typeof min === "number" && typeof max === "number") return `between ${min} and ${max}`;
  if (typeof min === "number") return `of at least ${min}`;
  if (typeof max === "number") return `of at most ${max}`;
  return undefined;
}

function article(type: string): string {
  const word = type === "object" ? "mapping" : type === "array" ? "list" : type === "null" ? "empty value" : type;
  return /^[aeiou]/.test(word) ? `an ${word}` : `a ${word}`;
}
