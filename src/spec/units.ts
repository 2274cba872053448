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
