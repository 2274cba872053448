/**
 * Reading the proxy's /metrics: a parser for the Prometheus text exposition
 * format (0.0.4) and histogram quantiles computed the way PromQL's
 * histogram_quantile does, so the live view agrees with Grafana.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const NAME = /[a-zA-Z_:][a-zA-Z0-9_:]*/y;
const LABEL_NAME = /[a-zA-Z_][a-zA-Z0-9_]*/y;

/** Every sample in the text. Comments and malformed lines are skipped, never fatal. */
export function parsePrometheusText(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const sample = parseLine(line);
    if (sample) samples.push(sample);
  }
  return samples;
}

function parseLine(line: string): Sample | undefined {
  NAME.lastIndex = 0;
  const name = NAME.exec(line)?.[0];
  if (!name) return undefined;
  let i = name.length;
  const labels: Record<string, string> = {};
  if (line[i] === "{") {
    i++;
    for (;;) {
      while (line[i] === " " || line[i] === ",") i++;
      if (line[i] === "}") {
        i++;
        break;
      }
      LABEL_NAME.lastIndex = i;
      const label = LABEL_NAME.exec(line)?.[0];
      if (!label) return undefined;
      i += label.length;
      while (line[i] === " ") i++;
      if (line[i] !== "=" || line[i + 1] !== '"') return undefined;
      i += 2;
      let value = "";
      for (;;) {
        const c = line[i];
        if (c === undefined) return undefined;
        if (c === '"') break;
        if (c === "\\") {
          const next = line[i + 1];
          value += next === "n" ? "\n" : (next ?? "");
          i += 2;
        } else {
          value += c;
          i++;
        }
      }
      i++;
      labels[label] = value;
    }
  }
  const rest = line.slice(i).trim().split(/\s+/);
  const value = parseValue(rest[0] ?? "");
  if (value === undefined) return undefined;
  return { name, labels, value };
}

function parseValue(text: string): number | undefined {
  if (text === "NaN") return NaN;
  if (text === "+Inf" || text === "Inf") return Infinity;
  if (text === "-Inf") return -Infinity;
  if (text === "" || !/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) return undefined;
  return Number(text);
}

export interface Bucket {
  /** Upper bound (the `le` label); Infinity for +Inf. */
  le: number;
  /** Cumulative count of observations ≤ le. */
  count: number;
}

/**
 * The q-quantile (0..1) of a cumulative histogram, interpolating linearly
 * inside the bucket that holds it, like PromQL. Undefined when there are no
 * observations. When the quantile falls in the +Inf bucket, the highest finite
 * bound is returned (the best that can be said).
 */
export function histogramQuantile(q: number, buckets: readonly Bucket[]): number | undefined {
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  const total = sorted.at(-1)?.count ?? 0;
  if (sorted.length === 0 || total <= 0 || !(sorted.at(-1)!.le === Infinity)) return undefined;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const b of sorted) {
    if (b.count >= rank) {
      if (b.le === Infinity) return sorted.length > 1 ? sorted.at(-2)!.le : undefined;
      const inBucket = b.count - prevCount;
      if (inBucket <= 0) return b.le;
      return prevLe + (b.le - prevLe) * ((rank - prevCount) / inBucket);
    }
    prevLe = b.le;
    prevCount = b.count;
  }
  return undefined;
}

/** Sum of `value` over samples of one metric, grouped by a key built from their labels. */
export function sumBy(samples: readonly Sample[], name: string, key: (labels: Record<string, string>) => string): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of samples) {
    if (s.name !== name || Number.isNaN(s.value)) continue;
    const k = key(s.labels);
    out.set(k, (out.get(k) ?? 0) + s.value);
  }
  return out;
}
