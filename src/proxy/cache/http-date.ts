/**
 * HTTP-date (RFC 9110 §5.6.7). Date.parse is too lenient for cache headers:
 * it reads "2030" as a year, which would turn an invalid `Expires: 2030`
 * (that the RFC says to treat as already expired) into a far-future one.
 */

const MONTHS: Record<string, number> = {
  jan: 0, feb: 1, mar: 2, apr: 3, may: 4, jun: 5, jul: 6, aug: 7, sep: 8, oct: 9, nov: 10, dec: 11,
};

// Sun, 06 Nov 1994 08:49:37 GMT
const IMF_FIXDATE = /^[A-Za-z]{3}, (\d{2}) ([A-Za-z]{3}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/;
// Sunday, 06-Nov-94 08:49:37 GMT
const RFC850 = /^[A-Za-z]{6,9}, (\d{2})-([A-Za-z]{3})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) GMT$/;
// Sun Nov  6 08:49:37 1994
const ASCTIME = /^[A-Za-z]{3} ([A-Za-z]{3}) ([ \d]\d) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/;

/** Epoch milliseconds, or undefined when `value` is not an HTTP-date. */
export function parseHttpDate(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  let m = IMF_FIXDATE.exec(text);
  if (m) return build(m[3]!, m[2]!, m[1]!, m[4]!, m[5]!, m[6]!);
  m = RFC850.exec(text);
  if (m) {
    // §5.6.7: a two-digit year more than 50 years in the future means the past century.
    let year = 2000 + Number(m[3]);
    if (year > new Date().getUTCFullYear() + 50) year -= 100;
    return build(String(year), m[2]!, m[1]!, m[4]!, m[5]!, m[6]!);
  }
  m = ASCTIME.exec(text);
  if (m) return build(m[6]!, m[1]!, m[2]!.trim(), m[3]!, m[4]!, m[5]!);
  return undefined;
}

function build(year: string, month: string, day: string, h: string, min: string, s: string): number | undefined {
  const mon = MONTHS[month.toLowerCase()];
  if (mon === undefined) return undefined;
  const d = Number(day), hh = Number(h), mm = Number(min), ss = Number(s);
  if (d < 1 || d > 31 || hh > 23 || mm > 59 || ss > 60) return undefined;
  const t = Date.UTC(Number(year), mon, d, hh, mm, Math.min(ss, 59));
  // Reject dates Date.UTC silently rolled over (e.g. 31 Feb).
  if (new Date(t).getUTCDate() !== d) return undefined;
  return t;
}

/** IMF-fixdate for `ms` (e.g. a Date header the cache adds). */
export function formatHttpDate(ms: number): string {
  return new Date(ms).toUTCString();
}
