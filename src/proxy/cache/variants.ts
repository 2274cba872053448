/**
 * How a URL's responses are laid out in a store (see entry.ts): the primary
 * key holds the one response, or a VaryMarker naming the Vary header sets in
 * use, with each variant under its own key. Finding the variant for a request
 * and saving or forgetting one live here, so the layer never deals in keys.
 */
import type { IncomingHttpHeaders } from "node:http";
import type { CacheRecord, StoredResponse, VaryMarker } from "./entry.js";
import { variantKey } from "./key.js";
import type { TierName } from "./store.js";
import type { TieredStore } from "./tiered-store.js";
import { varyMatches, varyValues } from "./vary.js";

/** Vary header sets remembered per URL. */
const MAX_VARY_SETS = 4;

export interface Lookup {
  entry?: StoredResponse;
  tier?: TierName;
  marker?: VaryMarker;
  /** The URL has stored responses, but none selected by this request's Vary values. */
  varyMiss: boolean;
  /** Tiers consulted without finding the primary record. */
  missed: TierName[];
}

/** The stored response for this request, if any (memory first, then Redis when it is up). */
export async function findVariant(store: TieredStore, key: string, headers: IncomingHttpHeaders): Promise<Lookup> {
  const missed: TierName[] = [];
  const found = await get(store, key, missed);
  if (!found) return { varyMiss: false, missed };
  const { record, tier } = found;
  if (record.kind === "response") {
    return varyMatches(record.vary, headers) ? { entry: record, tier, varyMiss: false, missed } : { varyMiss: true, missed };
  }
  for (const names of record.nameSets) {
    const variant = await get(store, variantKey(key, names, varyValues(headers, names)), []);
    if (variant?.record.kind === "response" && varyMatches(variant.record.vary, headers)) {
      return { entry: variant.record, tier: variant.tier, marker: record, varyMiss: false, missed };
    }
  }
  return { marker: record, varyMiss: true, missed };
}

async function get(store: TieredStore, key: string, missed: TierName[]): Promise<{ record: CacheRecord; tier: TierName } | undefined> {
  const local = store.getLocal(key);
  if (local) return { record: local, tier: "memory" };
  missed.push("memory");
  if (!store.redis?.connection.up) return undefined;
  const shared = await store.getShared(key);
  if (shared) return { record: shared, tier: "redis" };
  missed.push("redis");
  return undefined;
}

/** Stores `entry` for its retention; a varying one also updates the URL's marker. */
export async function saveVariant(store: TieredStore, key: string, entry: StoredResponse, marker: VaryMarker | undefined, now: number): Promise<void> {
  const ttlMs = entry.expiresAt - now;
  if (ttlMs <= 0) return;
  if (!entry.vary) return store.set(key, entry, ttlMs);
  const names = entry.vary.names;
  const nameSets = [names, ...(marker?.nameSets ?? []).filter((s) => s.join() !== names.join())].slice(0, MAX_VARY_SETS);
  const expiresAt = Math.max(marker?.expiresAt ?? 0, entry.expiresAt);
  const next: VaryMarker = { kind: "vary", url: key, nameSets, tags: [], expiresAt };
  await Promise.all([store.set(variantKey(key, names, entry.vary.values), entry, ttlMs), store.set(key, next, expiresAt - now)]);
}

/** Drops one stored response (e.g. its origin no longer lets it be stored). */
export async function forgetVariant(store: TieredStore, key: string, entry: StoredResponse): Promise<void> {
  await store.delete(entry.vary ? variantKey(key, entry.vary.names, entry.vary.values) : key);
}
