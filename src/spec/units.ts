/**
 * Durations ("500ms", "5s", "1m", "1h30m") and sizes ("256MiB", "1GB") are
 * written as strings with units in specs. These parsers are the one place
 * that turns them into numbers (milliseconds, bytes).
 */

export const DURATION_PATTERN = "^(?:[0-9]+(?:\\.[0-9]+)?(?:ms|s|m|h|d))+$";
export const SIZE_PATTERN = "^[0-9]+(?:\\.[0-9]+)?\\s?(?:B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$";

const DURATION_UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const SIZE_UNIT_BYTES: Record<string, number> = {
  B: 1, KB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12,
  KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, TiB: 1024 ** 4,
};

const durationRe = new RegExp(DURATION_PATTERN);
const durationPartRe = /([0-9]+(?:\.[0-9]+)?)(ms|s|m|h|d)/g;
const sizeRe = /^([0-9]+(?:\.[0-9]+)?)\s?(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/;

/** Milliseconds for a duration string; undefined if it is not one. */
export function parseDuration(text: string): number | undefined {
  if (!durationRe.test(text)) return undefined;
  let total = 0;
  for (const m of text.matchAll(durationPartRe)) total += Number(m[1]) * DURATION_UNIT_MS[m[2]!]!;
  return Math.round(total);
}

/** Bytes for a size string; undefined if it is not one. */
export function parseSize(text: string): number | undefined {
  const m = sizeRe.exec(text);
  if (!m) return undefined;
  return Math.floor(Number(m[1]) * SIZE_UNIT_BYTES[m[2]!]!);
}

/** Like parseDuration but for values the schema already checked. */
export function ms(text: string): number {
  const v = parseDuration(text);
  if (v === undefined) throw new TypeError(`not a duration: ${JSON.stringify(text)}`);
  return v;
}

/** Like parseSize but for values the schema already checked. */
export function bytes(text: string): number {
  const v = parseSize(text);
  if (v === undefined) throw new TypeError(`not a size: ${JSON.stringify(text)}`);
  return v;
}

/** Whole seconds, rounded up, for providers that only take seconds. */
export function seconds(text: string): number {
  return Math.max(1, Math.ceil(ms(text) / 1000));
}

/** Prometheus-style duration ("15s", "1m") from milliseconds. */
export function promDuration(milliseconds: number): string {
  if (milliseconds % 3_600_000 === 0) return `${milliseconds / 3_600_000}h`;
  if (milliseconds % 60_000 === 0) return `${milliseconds / 60_000}m`;
  if (milliseconds % 1000 === 0) return `${milliseconds / 1000}s`;
  return `${milliseconds}ms`;
}

/** Milliseconds as the largest unit that divides them exactly: 86400000 → "1d", 1500 → "1500ms". */
export function formatDuration(milliseconds: number): string {
  for (const [unit, size] of [["d", 86_400_000], ["h", 3_600_000], ["m", 60_000], ["s", 1000]] as const) {
    if (milliseconds >= size && milliseconds % size === 0) return `${milliseconds / size}${unit}`;
  }
  return `${milliseconds}ms`;
}

const durationUnitWords: Record<string, string> = {
  ms: "ms", msec: "ms", msecs: "ms", millisecond: "ms", milliseconds: "ms",
  s: "s", sec: "s", secs: "s", second: "s", seconds: "s",
  m: "m", min: "m", mins: "m", minute: "m", minutes: "m",
  h: "h", hr: "h", hrs: "h", hour: "h", hours: "h",
  d: "d", day: "d", days: "d",
};

/**
 * The duration a user most likely meant by a value that is not one: a bare
 * number (5 → "5s", 500 → "500ms"), or units written out ("5 seconds" → "5s").
 */
export function suggestDuration(value: unknown): string | undefined {
  if (typeof value === "number" && Number.isFinite(value) && value >= 0) return value >= 100 ? `${value}ms` : `${value}s`;
  if (typeof value !== "string") return undefined;
  const text = value.trim().toLowerCase();
  if (/^[0-9]+(\.[0-9]+)?$/.test(text)) return suggestDuration(Number(text));
  const parts = [...text.matchAll(/([0-9]+(?:\.[0-9]+)?)\s*([a-z]+)[\s,]*/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== text.replace(/^\s+/, "")) return undefined;
  const fixed = parts.map((p) => (durationUnitWords[p[2]!] ? `${p[1]}${durationUnitWords[p[2]!]}` : undefined));
  if (fixed.some((f) => f === undefined)) return undefined;
  const candidate = fixed.join("");
  return candidate !== value && parseDuration(candidate) !== undefined ? candidate : undefined;
}

const sizeUnitWords: Record<string, string> = {
  b: "B", byte: "B", bytes: "B",
  k: "KiB", kb: "KB", kib: "KiB", m: "MiB", mb: "MB", mib: "MiB",
  g: "GiB", gb: "GB", gib: "GiB", t: "TiB", tb: "TB", tib: "TiB",
};

/** Bytes as the largest binary unit that divides them exactly: 268435456 → "256MiB". */
export function formatBytes(n: number): string {
  for (const unit of ["TiB", "GiB", "MiB", "KiB"] as const) {
    const size = SIZE_UNIT_BYTES[unit]!;
    if (n >= size && n % size === 0) return `${n / size}${unit}`;
  }
  return `${n}B`;
}

/**
 * The size a user most likely meant: a byte count (268435456 → "256MiB"),
 * or a unit in the wrong case or spelled short ("256mb" → "256MB", "1G" → "1GiB").
 * A small bare number is more likely mebibytes than bytes (256 → "256MiB").
 */
export function suggestSize(value: unknown): string | undefined {
  if (typeof value === "number" && Number.isInteger(value) && value >= 0) return value >= 1024 * 1024 ? formatBytes(value) : `${value}MiB`;
  if (typeof value !== "string") return undefined;
  const m = /^\s*([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]*)\s*$/.exec(value);
  if (!m) return undefined;
  if (m[2] === "") return suggestSize(Number(m[1]));
  const unit = sizeUnitWords[m[2]!.toLowerCase()];
  const candidate = unit ? `${m[1]}${unit}` : undefined;
  return candidate !== undefined && candidate !== value && parseSize(candidate) !== undefined ? candidate : undefined;
}
