/**
 * Session ticket keys shared by every worker of one proxy process tree and
 * rotated on a fixed schedule. Each key is derived from a seed the primary
 * creates and hands to its workers (EDGEFORM_TLS_TICKET_SEED) and from the
 * current period number, so workers agree on the key without talking to
 * each other and a resumed session works whichever worker the kernel picks.
 * Keys never leave memory; a restart picks a new seed.
 */
import { hkdfSync, randomBytes } from "node:crypto";

export const TICKET_SEED_ENV = "EDGEFORM_TLS_TICKET_SEED";
/** How long one key encrypts new tickets. Tickets from the previous period stop resuming after a rotation. */
export const TICKET_ROTATION_MS = 60 * 60 * 1000;
/** What OpenSSL wants: 16 bytes key name, 16 bytes HMAC secret, 16 bytes AES key. */
const TICKET_KEYS_LENGTH = 48;

let processSeed: Buffer | undefined;

/** The seed of this process tree: inherited from the primary, or made here (and exported to workers forked later). */
export function ticketSeed(env: NodeJS.ProcessEnv = process.env): Buffer {
  if (processSeed !== undefined) return processSeed;
  const inherited = env[TICKET_SEED_ENV];
  processSeed = inherited !== undefined && /^[0-9a-f]{64}$/.test(inherited) ? Buffer.from(inherited, "hex") : randomBytes(32);
  env[TICKET_SEED_ENV] = processSeed.toString("hex");
  return processSeed;
}

export function ticketPeriod(now: number, rotationMs = TICKET_ROTATION_MS): number {
  return Math.floor(now / rotationMs);
}

export function ticketKeys(seed: Buffer, period: number): Buffer {
  return Buffer.from(hkdfSync("sha256", seed, Buffer.alloc(0), `edgeform tls tickets ${period}`, TICKET_KEYS_LENGTH));
}
