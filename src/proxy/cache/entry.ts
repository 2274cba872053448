/**
 * What a cache store holds, and its wire form for Redis.
 *
 * A URL's primary key holds either its one response (no Vary) or a VaryMarker
 * listing the Vary header sets its variants use; each variant then lives at
 * `primaryKey + "\0" + signature` (see key.ts). Freshness facts are derived
 * once when stored (policy.ts) so a hit does no header parsing.
 */

export type StoredHeaders = Record<string, string | string[]>;

export interface StoredResponse {
  kind: "response";
  /** Primary key (normalised URL) this response belongs to. */
  url: string;
  status: number;
  /** Headers as stored: hop-by-hop, Age and surrogate-key fields removed. */
  headers: StoredHeaders;
  body: Buffer;
  /** Epoch ms the request that produced it was sent / its response received (RFC 9111 §4.2.3). */
  requestTime: number;
  responseTime: number;
  /** corrected_initial_age (§4.2.3), ms. */
  correctedInitialAge: number;
  /** Freshness lifetime (§4.2.1), ms. */
  lifetime: number;
  /** RFC 5861 windows after the lifetime ends, ms (0 = none or forbidden). */
  staleWhileRevalidate: number;
  staleIfError: number;
  /** must-revalidate, proxy-revalidate or s-maxage: client max-stale cannot relax it (§5.2.2.2, §5.2.2.10). */
  noClientStale: boolean;
  /** Response no-cache: every reuse needs validation (§5.2.2.4). */
  alwaysValidate: boolean;
  /** public, s-maxage or must-revalidate: may answer requests with Authorization (§3.5). */
  authorizedReuse: boolean;
  /** Vary field names (lower case, sorted) and the request's normalised values for them (null = absent). */
  vary?: { names: string[]; values: (string | null)[] };
  /** Surrogate keys (Surrogate-Key / Cache-Tag) for purging. */
  tags: string[];
  /** Epoch ms after which no store keeps it: lifetime plus stale and revalidation windows. */
  expiresAt: number;
}

export interface VaryMarker {
  kind: "vary";
  url: string;
  /** Vary header-name sets seen for this URL, most recent first (usually one). */
  nameSets: string[][];
  tags: string[];
  expiresAt: number;
}

export type CacheRecord = StoredResponse | VaryMarker;

/** Bytes a record costs in memory: body, headers, and a fixed allowance for the object itself. */
export function recordSize(key: string, record: CacheRecord): number {
  let size = 256 + key.length * 2;
  if (record.kind === "vary") return size + record.nameSets.flat().join().length * 2;
  size += record.body.length;
  for (const name in record.headers) {
    const v = record.headers[name]!;
    size += name.length + (Array.isArray(v) ? v.join().length : v.length);
  }
  return size;
}

// Wire form: one type byte ("R" response, "V" vary marker) so Redis scripts can
// tell them apart with GETRANGE, a 4-byte metadata length, JSON metadata, body.
const TYPE_RESPONSE = 0x52;
const TYPE_VARY = 0x56;

export function encodeRecord(record: CacheRecord): Buffer {
  const body = record.kind === "response" ? record.body : Buffer.alloc(0);
  const meta = Buffer.from(JSON.stringify(record.kind === "response" ? { ...record, body: undefined } : record));
  const head = Buffer.allocUnsafe(5);
  head[0] = record.kind === "response" ? TYPE_RESPONSE : TYPE_VARY;
  head.writeUInt32BE(meta.length, 1);
  return Buffer.concat([head, meta, body]);
}

/** Undefined for bytes that are not a record (corrupt, or written by another program). */
export function decodeRecord(buf: Buffer): CacheRecord | undefined {
  if (buf.length < 5 || (buf[0] !== TYPE_RESPONSE && buf[0] !== TYPE_VARY)) return undefined;
  const len = buf.readUInt32BE(1);
  if (5 + len > buf.length) return undefined;
  try {
    const meta = JSON.parse(buf.subarray(5, 5 + len).toString("utf8")) as CacheRecord;
    if (meta.kind === "response") {
      if (buf[0] !== TYPE_RESPONSE) return undefined;
      // Copy out of Redis's reply buffer so the entry does not pin a larger allocation.
      return { ...meta, body: Buffer.from(buf.subarray(5 + len)) };
    }
    if (meta.kind === "vary" && buf[0] === TYPE_VARY) return meta;
    return undefined;
  } catch {
    return undefined;
  }
}

/** The magic byte of an encoded response, for scripts that count responses only. */
export const RESPONSE_TYPE_BYTE = String.fromCharCode(TYPE_RESPONSE);
