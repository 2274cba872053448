/**
 * Vary (RFC 9111 §4.1): a stored response is selected only when each header
 * it names has the same normalised value in the new request as in the one that
 * produced it; `Vary: *` never matches, so such responses are not stored.
 */
import type { IncomingHttpHeaders } from "node:http";
import { headerValue } from "./directives.js";

/** Lower-case, de-duplicated, sorted names; "*" if present; [] when there is no Vary. */
export function parseVary(headers: IncomingHttpHeaders): string[] {
  const raw = headerValue(headers, "vary");
  if (!raw) return [];
  const names = new Set<string>();
  for (const part of raw.split(",")) {
    const name = part.trim().toLowerCase();
    if (name === "*") return ["*"];
    if (name) names.add(name);
  }
  return [...names].sort();
}

// Fields whose values are case-insensitive lists, so case and spacing can be normalised.
const CASE_INSENSITIVE_LISTS = new Set(["accept-encoding", "accept-language", "accept-charset"]);

/**
 * A request header's value for variant selection: repeated lines combined and
 * whitespace around list commas removed (§4.1 allows semantics-preserving
 * normalisation); null when absent, which is distinct from empty.
 */
export function varyValue(headers: IncomingHttpHeaders, name: string): string | null {
  const v = headerValue(headers, name);
  if (v === undefined) return null;
  const collapsed = v.split(",").map((s) => s.trim()).join(",");
  return CASE_INSENSITIVE_LISTS.has(name) ? collapsed.toLowerCase() : collapsed;
}

export function varyValues(headers: IncomingHttpHeaders, names: readonly string[]): (string | null)[] {
  return names.map((n) => varyValue(headers, n));
}

/** Does a stored selection match this request? */
export function varyMatches(stored: { names: string[]; values: (string | null)[] } | undefined, headers: IncomingHttpHeaders): boolean {
  if (!stored) return true;
  for (let i = 0; i < stored.names.length; i++) {
    const name = stored.names[i]!;
    if (name === "*") return false;
    if (varyValue(headers, name) !== stored.values[i]) return false;
  }
  return true;
}
