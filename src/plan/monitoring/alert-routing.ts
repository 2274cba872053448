/**
 * Alertmanager's routing, offline: which receivers an alert with a given
 * label set reaches (what `amtool config routes test` answers), and example
 * label sets for every alert the plan generates, so `edgeform alerts test`
 * shows where each alert goes before anything is deployed.
 */
import { parse } from "yaml";
import { AlertNames } from "../../spec/alert-labels.js";
import type { DeploymentPlan, PlannedAlertRoute } from "../types.js";

export type Labels = Record<string, string>;

/**
 * The routes that take an alert, as Alertmanager picks them: depth first, a
 * matching child stops the search among its siblings unless it has
 * `continue`, and a node no child takes keeps the alert itself.
 */
export function matchingRoutes(route: PlannedAlertRoute, labels: Labels): PlannedAlertRoute[] {
  if (!Object.entries(route.matchers).every(([k, v]) => (labels[k] ?? "") === v)) return [];
  const taken: PlannedAlertRoute[] = [];
  for (const child of route.routes) {
    const found = matchingRoutes(child, labels);
    if (found.length === 0) continue;
    taken.push(...found);
    if (!child.continue) break;
  }
  return taken.length > 0 ? taken : [route];
}

export function receiversFor(route: PlannedAlertRoute, labels: Labels): string[] {
  return matchingRoutes(route, labels).map((r) => r.receiver);
}

/** Labels the proxy's series give an alert (not set by the rule), per alert. */
const SERIES_LABELS: Record<string, string[]> = {
  [AlertNames.edgeDown]: ["instance", "job"],
  [AlertNames.highP99Latency]: ["route"],
  [AlertNames.retryBudgetExhausted]: ["fleet"],
  [AlertNames.backendDown]: ["fleet", "backend"],
  [AlertNames.fleetDown]: ["fleet"],
  [AlertNames.cacheRedisErrors]: ["cache"],
  [AlertNames.cacheRedisDown]: ["cache"],
};

interface RuleFile {
  groups: Array<{ rules: Array<{ alert?: string; labels?: Labels }> }>;
}

/**
 * One example label set per alert rule of the plan, with the labels its
 * series would add filled in from the plan (the first route, fleet, cache);
 * an availability SLO alert once for each error source.
 */
export function exampleAlerts(plan: DeploymentPlan): Labels[] {
  const prometheus = plan.monitoring.prometheus;
  if (!prometheus) return [];
  const examples: Record<string, string> = {
    route: plan.proxyConfig.routes[0]?.name ?? "route-0",
    fleet: plan.fleets[0]?.name ?? "web",
    backend: "127.0.0.1:8081",
    cache: plan.caches[0]?.name ?? "edge",
    instance: prometheus.scrapeTargets[0] ?? "edge:9901",
    job: "edgeform-edge",
  };
  const out: Labels[] = [];
  const seen = new Set<string>();
  for (const group of (parse(prometheus.rulesYaml) as RuleFile).groups) {
    for (const rule of group.rules) {
      if (!rule.alert) continue;
      const labels: Labels = { alertname: rule.alert, ...(rule.labels ?? {}) };
      for (const name of SERIES_LABELS[rule.alert] ?? []) labels[name] ??= examples[name]!;
      const variants = rule.alert === AlertNames.sloAvailabilityBurn ? ["edge", "fleet"].map((source) => ({ ...labels, source })) : [labels];
      for (const v of variants) {
        const key = JSON.stringify(Object.entries(v).sort());
        if (!seen.has(key)) out.push(v), seen.add(key);
      }
    }
  }
  return out;
}

/** `severity=page alertname=X` (amtool's syntax) → labels; undefined for a word without "=". */
export function parseLabelArgs(args: string[]): { labels: Labels; bad: string[] } {
  const labels: Labels = {};
  const bad: string[] = [];
  for (const arg of args) {
    const at = arg.indexOf("=");
    if (at <= 0) bad.push(arg);
    else labels[arg.slice(0, at)] = arg.slice(at + 1).replace(/^"(.*)"$/, "$1");
  }
  return { labels, bad };
}
