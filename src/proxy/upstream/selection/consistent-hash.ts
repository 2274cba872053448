/**
 * Consistent hashing on a ring with virtual nodes (ketama-style), with
 * optional bounded load (Mirrokni, Thorup, Zadimoghaddam, "Consistent Hashing
 * with Bounded Loads", 2017).
 *
 * The ring is built from `set.all` and rebuilt only when membership changes;
 * health is applied at lookup by skipping points of unusable backends, which
 * maps keys exactly as a ring without them would. So removing, ejecting or
 * failing one backend moves only the keys that backend owned.
 *
 * Each backend gets points in proportion to its weight, VNODES for the
 * heaviest; a point's place depends only on the backend id, so the ring
 * changes only where a backend joined or left (or the heaviest weight moved).
 *
 * Bounded load: with m requests in flight over n usable backends, each
 * backend's capacity is ceil(c · (m + 1) / n); the walk prefers the first
 * backend clockwise whose in-flight count is below it. Over-capacity ones
 * are still yielded, last, so retries and the last resort keep working.
 * Some backend is always below capacity, since c >= 1.
 *
 * Without a key (header or cookie absent) a request lands at a random point.
 */
import type { BackendSet, BackendState, SelectionContext, Selector } from "../contracts.js";
import { NO_CANDIDATES, OrderedCandidates } from "./candidates.js";
import { hash32 } from "./hash.js";
import type { RandomSource } from "./random-source.js";

/** Virtual nodes of the heaviest backend: ~6% spread between backends' shares at this count. */
export const VNODES = 256;

const DONE: IteratorResult<BackendState> = Object.freeze({ done: true, value: undefined });

interface Ring {
  all: readonly BackendState[];
  /** Sorted point hashes. */
  hashes: Uint32Array;
  /** Index into `all` of each point's owner. */
  owners: Uint32Array;
  /** Index into `all` of each state. */
  index: Map<BackendState, number>;
}

/** Usability of each `all` index for one snapshot. */
interface Mask {
  set: BackendSet;
  usable: Uint8Array;
  usableCount: number;
}

export class ConsistentHashSelector implements Selector {
  readonly algorithm = "consistent-hash";
  private ring: Ring | undefined;
  private mask: Mask | undefined;

  constructor(
    /** Bounded-load factor c (>= 1); undefined = unbounded. */
    private readonly boundedLoad: number | undefined,
    private readonly random: RandomSource = Math.random,
  ) {}

  candidates(set: BackendSet, ctx: SelectionContext): Iterable<BackendState> {
    if (set.usable.length === 0) return NO_CANDIDATES;
    const ring = this.ring?.all === set.all ? this.ring : this.buildRing(set.all);
    const mask = this.mask?.set === set ? this.mask : this.buildMask(set, ring);
    // Only weight-0 backends are usable: nothing is on the ring, take them in order.
    if (ring.hashes.length === 0) return new OrderedCandidates(set.usable, -1, -1, 0);
    const h = ctx.hashKey !== undefined ? hash32(ctx.hashKey) : (this.random() * 4294967296) >>> 0;
    const capacity = this.boundedLoad !== undefined ? loadCapacity(set.usable, this.boundedLoad) : Infinity;
    return new RingCandidates(ring, mask, set.usable, lowerBound(ring.hashes, h), capacity);
  }

  rebuild(set: BackendSet): void {
    const ring = this.ring?.all === set.all ? this.ring : this.buildRing(set.all);
    this.buildMask(set, ring);
  }

  private buildRing(all: readonly BackendState[]): Ring {
    let maxWeight = 0;
    for (const s of all) maxWeight = Math.max(maxWeight, s.backend.weight);
    const counts = all.map((s) => (s.backend.weight > 0 ? Math.max(1, Math.round((VNODES * s.backend.weight) / maxWeight)) : 0));
    const total = counts.reduce((a, b) => a + b, 0);
    // Pack (hash, owner) in one float so a numeric typed-array sort orders both:
    // hash * 2^20 + owner stays below 2^53 for up to a million backends.
    const packed = new Float64Array(total);
    let p = 0;
    for (let owner = 0; owner < all.length; owner++) {
      const id = all[owner]!.backend.id;
      for (let v = 0; v < counts[owner]!; v++) packed[p++] = hash32(`${id}#${v}`) * 1048576 + owner;
    }
    packed.sort();
    const hashes = new Uint32Array(total);
    const owners = new Uint32Array(total);
    for (let i = 0; i < total; i++) {
      const x = packed[i]!;
      const owner = x % 1048576;
      owners[i] = owner;
      hashes[i] = (x - owner) / 1048576;
    }
    const index = new Map<BackendState, number>();
    all.forEach((s, i) => index.set(s, i));
    this.ring = { all, hashes, owners, index };
    return this.ring;
  }

  private buildMask(set: BackendSet, ring: Ring): Mask {
    const usable = new Uint8Array(ring.all.length);
    let usableCount = 0;
    for (const s of set.usable) {
      const i = ring.index.get(s);
      if (i !== undefined && usable[i] === 0) {
        usable[i] = 1;
        usableCount++;
      }
    }
    this.mask = { set, usable, usableCount };
    return this.mask;
  }
}

/** ceil(c · (m + 1) / n): the bounded-load capacity counting the request being placed. */
export function loadCapacity(usable: readonly BackendState[], c: number): number {
  let inflight = 0;
  for (const s of usable) inflight += s.inflight;
  return Math.ceil((Math.max(1, c) * (inflight + 1)) / usable.length);
}

/** First index whose hash is >= h, wrapping to 0 past the end. */
function lowerBound(hashes: Uint32Array, h: number): number {
  let lo = 0;
  let hi = hashes.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (hashes[mid]! < h) lo = mid + 1;
    else hi = mid;
  }
  return lo === hashes.length ? 0 : lo;
}

/**
 * Walks the ring clockwise from the key's point: distinct usable backends
 * below capacity first, then those over capacity, then usable backends with
 * no points (weight 0). The `seen` bitmap is allocated only if a second
 * candidate is asked for, which keeps the common one-candidate case cheap.
 */
class RingCandidates implements Iterator<BackendState>, Iterable<BackendState> {
  private phase = 0;
  private step = 0;
  private seen: Uint8Array | undefined;
  private seenCount = 0;
  private firstOwner = -1;
  private deferred: number[] | undefined;
  private deferredAt = 0;
  private restAt = 0;
  private readonly result = { done: false, value: undefined as unknown as BackendState };

  constructor(
    private readonly ring: Ring,
    private readonly mask: Mask,
    private readonly usable: readonly BackendState[],
    private readonly start: number,
    private readonly capacity: number,
  ) {}

  [Symbol.iterator](): Iterator<BackendState> {
    return this;
  }

  next(): IteratorResult<BackendState> {
    if (this.phase === 0) {
      const owner = this.walk();
      if (owner >= 0) return this.yield(this.ring.all[owner]!);
      this.phase = 1;
    }
    if (this.phase === 1) {
      const deferred = this.deferred;
      while (deferred && this.deferredAt < deferred.length) {
        return this.yield(this.ring.all[deferred[this.deferredAt++]!]!);
      }
      this.phase = 2;
    }
    const seen = this.seenBitmap();
    while (this.restAt < this.usable.length) {
      const s = this.usable[this.restAt++]!;
      const i = this.ring.index.get(s);
      if (i !== undefined && seen[i] === 1) continue;
      return this.yield(s);
    }
    return DONE;
  }

  /** Next owner below capacity on the ring, or -1 when the circle is done. */
  private walk(): number {
    const { hashes, owners, all } = this.ring;
    const points = hashes.length;
    const usable = this.mask.usable;
    while (this.step < points && this.seenCount < this.mask.usableCount) {
      let p = this.start + this.step++;
      if (p >= points) p -= points;
      const owner = owners[p]!;
      if (usable[owner] === 0) continue;
      if (this.firstOwner < 0) {
        this.firstOwner = owner;
        this.seenCount = 1;
      } else {
        const seen = this.seenBitmap();
        if (seen[owner] === 1) continue;
        seen[owner] = 1;
        this.seenCount++;
      }
      const s = all[owner]!;
      if (s.inflight >= this.capacity) {
        (this.deferred ??= []).push(owner);
        continue;
      }
      return owner;
    }
    return -1;
  }

  private seenBitmap(): Uint8Array {
    if (!this.seen) {
      this.seen = new Uint8Array(this.ring.all.length);
      if (this.firstOwner >= 0) this.seen[this.firstOwner] = 1;
    }
    return this.seen;
  }

  private yield(s: BackendState): IteratorResult<BackendState> {
    this.result.value = s;
    return this.result;
  }
}
