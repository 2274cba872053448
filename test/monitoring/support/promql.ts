/**
 * Metric names used in a PromQL expression. Good enough for the expressions
 * edgeform generates: strings, label matchers, ranges and grouping clauses are
 * removed, function and aggregation calls (names followed by "(") and PromQL
 * keywords are dropped, and what is left are metric names.
 */
const KEYWORDS = new Set([
  "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless", "offset",
  "sum", "min", "max", "avg", "count", "stddev", "stdvar", "topk", "bottomk", "quantile", "count_values", "group",
  "inf", "nan",
]);

export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ");
  const names = new Set<string>();
  for (const m of stripped.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*(?=\s*(\()?)/g)) {
    const word = m[0];
    if (m[1] === "(" || KEYWORDS.has(word.toLowerCase()) || /^\d/.test(word)) continue;
    names.add(word);
  }
  return [...names].sort();
}

/** Rules as the generated rule file lists them. */
export interface RuleFile {
  groups: Array<{ name: string; rules: Array<{ alert?: string; record?: string; expr: string; labels?: Record<string, string>; annotations?: Record<string, string> }> }>;
}

/**
 * Metric names an expression of a rule file reads from the proxy: without the
 * series the file records itself, and without `up`, which Prometheus writes
 * for every scrape.
 */
export function scrapedNames(rules: RuleFile, exprs: string[]): string[] {
  const recorded = new Set(rules.groups.flatMap((g) => g.rules.map((r) => r.record).filter((r): r is string => r !== undefined)));
  return [...new Set(exprs.flatMap(metricNames))].filter((n) => n !== "up" && !recorded.has(n)).sort();
}
