/**
 * The ready banner's ready-to-paste commands: example requests made from the
 * spec's own routes (so none of them is a 404 guess), and a purge that works
 * as printed (the admin token included, or the variable that holds it).
 */
import type { DeploymentPlan } from "../plan/types.js";

const MAX_EXAMPLES = 3;
/** The demo origin turns `?cache=<s>` into Cache-Control, so a cached route shows a hit on the second request. */
const DEMO_ORIGIN = /(^|\s|\/)edgeform(\.js)?\s+origin\b/;

export function exampleRequests(plan: DeploymentPlan, host: string): string[] {
  const config = plan.proxyConfig;
  const demoFleets = new Set(plan.fleets.filter((f) => f.dev && DEMO_ORIGIN.test(f.dev.command)).map((f) => f.name));
  const lines: string[] = [];
  const seen = new Set<string>();
  for (const route of config.routes) {
    const listener = config.listeners.find((l) => l.protocol === "http" && route.listeners.includes(l.name));
    if (!listener) continue;
    const query = route.cache && demoFleets.has(route.cluster) ? "?cache=60" : "";
    const headers = [
      ...(route.match.host ? [`Host: ${route.match.host.replace(/^\*\./, "www.")}`] : []),
      ...Object.entries(route.match.headers ?? {}).map(([name, value]) => `${name}: ${value}`),
    ];
    const line = ["curl -i", ...headers.map((h) => `-H '${h}'`), `'http://${host}:${listener.port}${route.match.pathPrefix}${query}'`].join(" ");
    if (seen.has(line)) continue;
    seen.add(line);
    lines.push(`${line}   # route ${route.name}${route.cache ? `, cache ${route.cache.cache}` : ""}`);
    if (lines.length === MAX_EXAMPLES) break;
  }
  return lines;
}

/**
 * A purge of everything cached for the local hosts. The token is shown when
 * dev generated it for this run (it is good for nothing else); a token the
 * user keeps in EDGEFORM_SECRET_<NAME> is referenced, not echoed.
 */
export function purgeCommand(adminUrl: string, token: { value: string; env: string; fromUser: boolean }, host: string): string {
  const bearer = token.fromUser ? `"Authorization: Bearer $${token.env}"` : `'Authorization: Bearer ${token.value}'`;
  return `curl -X POST -H ${bearer} -H 'content-type: application/json' -d '{"prefix":"${host}/"}' ${adminUrl}/purge`;
}
