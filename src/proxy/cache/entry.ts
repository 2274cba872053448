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

/*
 * What a record costs in the memory tier, counted from everything it keeps
 * alive, so the tier's byte bound holds for the process's heap (a cache bound
 * that counted only bodies once held ~30x its bound under a Vary-heavy load):
 * the key, the URL, every header name and value, the Vary names and the
 * request values they selected (which can be as large as a request header),
 * the tags and their entries in the store's tag index, and the objects around
 * them. V8 costs are approximated per object; strings are one byte per
 * character (header text is Latin-1) plus a fixed header.
 */
/** The record object, its Slot and Map entry in the store, and its headers object. */
const RECORD_OVERHEAD = 640;
/** A V8 string's header, or an array slot / object property plus the pointer to a value. */
const STRING_OVERHEAD = 32;
/** A tag's entry in the store's tag index (a Set member, and its share of the Set). */
const TAG_INDEX_OVERHEAD = 96;
/** A Buffer object and its ArrayBuffer's bookkeeping. */
const BUFFER_OVERHEAD = 160;

function textSize(s: string): number {
  return STRING_OVERHEAD + s.length;
}

function listSize(list: readonly (string | null)[]): number {
  let size = STRING_OVERHEAD;
  for (const s of list) size += s === null ? 8 : textSize(s);
  return size;
}

/**
 * Bytes a record costs in memory under `key` (see above). `ownedBody`: count
 * the body as the copy of its own that the memory tier will keep (see
 * ownedBuffer), not as the larger allocation it may still be a view of.
 */
export function recordSize(key: string, record: CacheRecord, ownedBody = false): number {
  let size = RECORD_OVERHEAD + textSize(key) + textSize(record.url);
  for (const tag of record.tags) size += textSize(tag) + TAG_INDEX_OVERHEAD;
  if (record.kind === "vary") {
    for (const names of record.nameSets) size += listSize(names);
    return size;
  }
  // A Buffer may be a view of a larger allocation; the whole allocation stays alive.
  size += BUFFER_OVERHEAD + (ownedBody ? record.body.length : Math.max(record.body.length, record.body.buffer.byteLength));
  for (const name in record.headers) {
    const v = record.headers[name]!;
    size += textSize(name) + (typeof v === "string" ? textSize(v) : listSize(v));
  }
  if (record.vary !== undefined) size += listSize(record.vary.names) + listSize(record.vary.values);
  return size;
}

/**
 * A copy of `buf` in an allocation of its own, when it is a view of a larger
 * one (Node's pooled slabs, a Redis reply): a stored body must not keep
 * memory alive that the cache does not count.
 */
export function ownedBuffer(buf: Buffer): Buffer {
  if (buf.byteOffset === 0 && buf.buffer.byteLength === buf.length) return buf;
  const copy = Buffer.allocUnsafeSlow(buf.length);
  buf.copy(copy);
  return copy;
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
      // A view of Redis's reply: most hits are only served, and the memory tier
      // copies the body out when it keeps the record (MemoryStore.setSync).
      return { ...meta, body: buf.subarray(5 + len) };
    }
    if (meta.kind === "vary" && buf[0] === TYPE_VARY) return meta;
    return undefined;
  } catch {
    return undefined;
  }
}

/** The magic byte of an encoded response, for scripts that count responses only. */
export const RESPONSE_TYPE_BYTE = String.fromCharCode(TYPE_RESPONSE);
