/**
 * When to renew and when to retry, as pure functions of time and a random
 * source (tests pass their own). Renewal starts when two thirds of the
 * lifetime have passed — 30 days before the end of a 90-day certificate, as
 * certbot and Caddy do — moved earlier by up to 5% of the lifetime so that
 * replicas and topologies that got their certificates together do not all
 * renew in the same second. A failed order is retried after a back-off that
 * doubles from min to max, with ±20% jitter.
 */

export interface Lifetime {
  notBefore: number;
  notAfter: number;
}

export function renewalDue(cert: Lifetime, random: () => number = Math.random): number {
  const lifetime = Math.max(0, cert.notAfter - cert.notBefore);
  return cert.notBefore + (lifetime * 2) / 3 - lifetime * 0.05 * random();
}

export function retryDelay(failures: number, range: { minMs: number; maxMs: number }, random: () => number = Math.random): number {
  const base = Math.min(range.maxMs, range.minMs * 2 ** Math.max(0, failures - 1));
  return Math.round(base * (0.8 + 0.4 * random()));
}

/** Node timers overflow past 2^31-1 ms (~24.8 days): longer waits are taken in steps. */
export const MAX_TIMER_MS = 2_147_483_647;
