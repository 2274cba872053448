/**
 * Argument checks shared by every component: they run at the top of a
 * constructor, before any child exists, and fail with one plain sentence.
 */
import { EdgeformError } from "../../src/errors.js";

/** Thrown for an invalid argument combination: `<Component> "<name>": <sentence>`. */
export function argsError(component: string, name: string, sentence: string, hint?: string): EdgeformError {
  return new EdgeformError("EF_COMPONENT_ARGS", `${component} "${name}": ${sentence}`, hint === undefined ? {} : { hint });
}

/** Exactly one of `docker` / `aws` must be given: a component runs on one provider. */
export function oneProvider<D, A>(
  component: string,
  name: string,
  args: { readonly docker?: D | undefined; readonly aws?: A | undefined },
): { docker: D; aws?: undefined } | { aws: A; docker?: undefined } {
  if (args.docker !== undefined && args.aws !== undefined) {
    throw argsError(component, name, "give either `docker` or `aws` arguments, not both: one component runs on one provider");
  }
  if (args.docker !== undefined) return { docker: args.docker };
  if (args.aws !== undefined) return { aws: args.aws };
  throw argsError(component, name, "give `docker` or `aws` arguments to say where it runs");
}

/** Every secret name in `needed` must have a value (or an ARN) in `have`. */
export function requireSecrets(component: string, name: string, needed: Iterable<string>, have: Readonly<Record<string, unknown>> | undefined, what: string): void {
  const missing = [...new Set(needed)].filter((s) => have?.[s] === undefined).sort();
  if (missing.length > 0) {
    throw argsError(component, name, `it needs ${what} for secret${missing.length > 1 ? "s" : ""} ${missing.map((s) => `"${s}"`).join(", ")}, which ${missing.length > 1 ? "were" : "was"} not given`);
  }
}
