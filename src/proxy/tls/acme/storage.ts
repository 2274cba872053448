/**
 * What ACME state is kept in, so that every worker of a replica and every
 * replica share one account, one certificate and the HTTP-01 answers, and
 * only one of them runs an order at a time (the lock).
 */
export interface AcmeStorage {
  /** Where the state lives, for logs (no secrets). */
  readonly description: string;
  get(key: string): Promise<string | undefined>;
  /** Replaces the value at once: readers see the old or the new value, never a part. */
  put(key: string, value: string, ttlMs?: number): Promise<void>;
  delete(key: string): Promise<void>;
  /** Takes the named lock when nobody holds it (or its holder's time ran out); undefined when it is taken. */
  tryLock(name: string, ttlMs: number): Promise<AcmeLock | undefined>;
  close(): Promise<void>;
}

export interface AcmeLock {
  /** Keeps the lock for another ttlMs; false when it was lost (expired and taken by another). */
  extend(ttlMs: number): Promise<boolean>;
  /** Releases it only if still ours. */
  release(): Promise<void>;
}
