/**
 * Durations as the Docker provider takes them: Go's time.ParseDuration syntax
 * ("500ms", "5s", "1m30s", "1.5h"; units ns, us/µs, ms, s, m, h), converted to
 * the nanoseconds the Engine API expects in HealthConfig.
 */
const UNIT_NS: Record<string, number> = { ns: 1, us: 1e3, "µs": 1e3, "μs": 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

export function goDurationToNanoseconds(text: string): number {
  const input = text.trim();
  if (input === "0") return 0;
  const part = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;
  let total = 0;
  let at = 0;
  while (at < input.length) {
    part.lastIndex = at;
    const m = part.exec(input);
    if (!m) break;
    total += Number(m[1]) * UNIT_NS[m[2]!]!;
    at = part.lastIndex;
  }
  if (at === 0 || at !== input.length) {
    throw new Error(`"${text}" is not a duration the Docker provider accepts (Go syntax such as "500ms", "5s", "1m30s")`);
  }
  return Math.round(total);
}
