/**
 * Discovery finds the backends of a fleet; it knows nothing about health or
 * selection (pingora's ServiceDiscovery). A failed lookup is reported, never
 * thrown, so the fleet can keep serving its last known set.
 */
import type { Backend } from "../contracts.js";

export interface DiscoveryResult {
  /** The full current set, in a stable order (the same input gives the same order). */
  backends: Backend[];
  /** Problems met on the way; `backends` still holds the best known set. */
  errors: Error[];
}

export interface Discovery {
  discover(): Promise<DiscoveryResult>;
  /** Re-discover every refreshMs; undefined for sets that never change. */
  readonly refreshMs: number | undefined;
}

/** Resolves a host name to all its addresses (dns.promises.lookup with all: true). */
export type Lookup = (host: string) => Promise<Array<{ address: string; family: 4 | 6 }>>;
