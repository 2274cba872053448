/**
 * Automatic certificates for one https listener. Every process that serves
 * the listener (each worker of each replica) runs one manager; they meet in
 * the shared storage:
 *
 *   - a certificate in storage that is not due for renewal is served as is;
 *   - otherwise a process takes the order lock, looks again (another may have
 *     just stored one), orders, stores the certificate and releases the lock;
 *   - a process that finds the lock taken waits and loads what the holder
 *     stores; if the holder dies its lock expires and another takes over.
 *
 * A failed order is logged (EF_PROXY_ACME), counted, and retried after a
 * back-off kept in storage, so replicas do not take turns hammering the CA;
 * the listener keeps serving what it had (an earlier ACME certificate or its
 * configured ones) meanwhile.
 */
import { X509Certificate } from "node:crypto";
import type { Registry } from "prom-client";
import type { AcmeConfig } from "../../../plan/tls-config.js";
import type { Logger } from "../../runtime/log.js";
import type { ChallengeBoard } from "./challenges.js";
import { acmeOrderCounter, type OrderKind } from "./metrics.js";
import { orderCertificate, type IssuedPair } from "./order.js";
import { MAX_TIMER_MS, renewalDue, retryDelay } from "./schedule.js";
import { openAcmeStorage } from "./open-storage.js";
import type { AcmeLock, AcmeStorage } from "./storage.js";

const CERTIFICATE_KEY = "certificate";
const BACKOFF_KEY = "backoff";
const LOCK_NAME = "order";
/** An order lock outlives a crashed holder by at most this long; a live holder extends it. */
const LOCK_TTL_MS = 60_000;
/** How often a process with nothing valid to serve looks for what another one is ordering. */
const WAIT_POLL_MS = 1000;
/** Storage is re-read at least this often: another replica may have renewed early. */
const CHECK_MAX_MS = 10 * 60_000;
const DEFAULT_RETRY = { minMs: 60_000, maxMs: 3_600_000 };

/** What the manager serves certificates through (the listener's TLS termination). */
export interface CertificateSink {
  /** Serves the pair for new handshakes; false when it cannot be used (the previous stays). */
  install(pair: IssuedPair): boolean;
}

interface StoredCertificate extends IssuedPair {
  serial: string;
  notBefore: number;
  notAfter: number;
}

interface Backoff {
  failures: number;
  notBefore: number;
}

export class AcmeManager {
  private readonly storage: AcmeStorage;
  private readonly unregister: () => void;
  private readonly orders;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private installedSerial: string | undefined;
  /** Renewal time per certificate serial, jittered once. */
  private readonly due = new Map<string, number>();

  constructor(
    private readonly config: AcmeConfig,
    private readonly listener: string,
    private readonly sink: CertificateSink,
    private readonly logger: Logger,
    registry: Registry,
    private readonly board: ChallengeBoard,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.storage = openAcmeStorage(config.storage, logger, env);
    this.unregister = board.register(this.storage);
    this.orders = acmeOrderCounter(registry);
  }

  start(): void {
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    await this.running;
    this.unregister();
    await this.storage.close();
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.step();
    }, Math.min(Math.max(0, ms), MAX_TIMER_MS));
    this.timer.unref();
  }

  private async step(): Promise<void> {
    let next: number;
    try {
      next = await this.attempt();
    } catch (err) {
      // Storage unreachable or unreadable: what is served stays; look again soon.
      this.logger.warn({ event: "acme-storage-failed", storage: this.storage.description, err: (err as Error).message }, "ACME storage failed; retrying");
      next = 5 * WAIT_POLL_MS;
    }
    this.schedule(next);
  }

  /** One look at storage, and an order when one is due and ours to run; returns ms until the next look. */
  private async attempt(): Promise<number> {
    const stored = await this.load();
    if (stored !== undefined) this.install(stored);
    if (stored !== undefined && !this.isDue(stored)) return this.untilCheck(stored);
    const waiting = await this.backoffLeft();
    if (waiting > 0) return waiting;
    await this.board.whenAnswering();
    if (this.stopped) return WAIT_POLL_MS;
    const lock = await this.storage.tryLock(LOCK_NAME, LOCK_TTL_MS);
    if (lock === undefined) return WAIT_POLL_MS;
    return this.withLock(lock, async () => {
      // The holder before us may have stored a certificate since we looked.
      const again = await this.load();
      if (again !== undefined) this.install(again);
      if (again !== undefined && !this.isDue(again)) return this.untilCheck(again);
      const left = await this.backoffLeft();
      if (left > 0) return left;
      return this.order(again === undefined ? "obtain" : "renew");
    });
  }

  private async withLock(lock: AcmeLock, work: () => Promise<number>): Promise<number> {
    const keep = setInterval(() => void lock.extend(LOCK_TTL_MS).catch(() => {}), LOCK_TTL_MS / 3);
    keep.unref();
    try {
      return await work();
    } finally {
      clearInterval(keep);
      await lock.release().catch(() => {});
    }
  }

  private async order(kind: OrderKind): Promise<number> {
    const started = Date.now();
    this.logger.info({ event: "acme-order", kind, domains: this.config.domains, directory: this.config.directory, storage: this.storage.description }, "ordering a certificate");
    let stored: StoredCertificate;
    try {
      const pair = await orderCertificate(this.config, this.storage, this.board, this.env);
      stored = parse(pair);
    } catch (err) {
      return this.failed(kind, err);
    }
    await this.storage.put(CERTIFICATE_KEY, JSON.stringify({ certPem: stored.certPem, keyPem: stored.keyPem }));
    await this.storage.delete(BACKOFF_KEY);
    this.orders.inc({ listener: this.listener, kind, result: "success" });
    this.logger.info({ event: "acme-issued", kind, domains: this.config.domains, serial: stored.serial, notAfter: new Date(stored.notAfter).toISOString(), ms: Date.now() - started }, "certificate obtained");
    this.install(stored);
    return this.untilCheck(stored);
  }

  private async failed(kind: OrderKind, err: unknown): Promise<number> {
    const previous = await this.readBackoff();
    const failures = (previous?.failures ?? 0) + 1;
    const delay = retryDelay(failures, this.config.retry ?? DEFAULT_RETRY);
    await this.storage.put(BACKOFF_KEY, JSON.stringify({ failures, notBefore: Date.now() + delay } satisfies Backoff));
    this.orders.inc({ listener: this.listener, kind, result: "failure" });
    this.logger.error({
      event: "acme-order-failed",
      code: "EF_PROXY_ACME",
      kind,
      domains: this.config.domains,
      directory: this.config.directory,
      failures,
      retryInMs: delay,
      err: describe(err),
    }, `EF_PROXY_ACME: the ACME order for ${this.config.domains.join(", ")} failed; retrying in ${Math.round(delay / 1000)} s, the listener keeps serving its current certificate`);
    return delay;
  }

  private install(stored: StoredCertificate): void {
    if (stored.serial === this.installedSerial || stored.notAfter <= Date.now()) return;
    if (!this.sink.install(stored)) return;
    this.installedSerial = stored.serial;
    this.logger.info({ event: "acme-certificate-served", domains: this.config.domains, serial: stored.serial, notAfter: new Date(stored.notAfter).toISOString() }, "ACME certificate served");
  }

  private isDue(stored: StoredCertificate): boolean {
    return Date.now() >= this.dueAt(stored) || !this.coversDomains(stored);
  }

  private dueAt(stored: StoredCertificate): number {
    let at = this.due.get(stored.serial);
    if (at === undefined) {
      at = renewalDue(stored);
      this.due.set(stored.serial, at);
    }
    return at;
  }

  /** A certificate stored for other domains (the spec changed) is replaced at once. */
  private coversDomains(stored: StoredCertificate): boolean {
    const names = new X509Certificate(stored.certPem).subjectAltName ?? "";
    return this.config.domains.every((d) => names.split(/,\s*/).includes(`DNS:${d.toLowerCase()}`));
  }

  private untilCheck(stored: StoredCertificate): number {
    return Math.max(WAIT_POLL_MS, Math.min(this.dueAt(stored) - Date.now(), CHECK_MAX_MS));
  }

  private async load(): Promise<StoredCertificate | undefined> {
    const text = await this.storage.get(CERTIFICATE_KEY);
    if (text === undefined) return undefined;
    try {
      return parse(JSON.parse(text) as IssuedPair);
    } catch (err) {
      this.logger.warn({ event: "acme-stored-unusable", storage: this.storage.description, err: (err as Error).message }, "the stored ACME certificate cannot be used; ordering a new one");
      return undefined;
    }
  }

  private async readBackoff(): Promise<Backoff | undefined> {
    const text = await this.storage.get(BACKOFF_KEY);
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text) as Backoff;
    } catch {
      return undefined;
    }
  }

  private async backoffLeft(): Promise<number> {
    const backoff = await this.readBackoff();
    return backoff === undefined ? 0 : Math.max(0, backoff.notBefore - Date.now());
  }
}

function parse(pair: IssuedPair): StoredCertificate {
  const x509 = new X509Certificate(pair.certPem);
  return { certPem: pair.certPem, keyPem: pair.keyPem, serial: x509.serialNumber, notBefore: Date.parse(x509.validFrom), notAfter: Date.parse(x509.validTo) };
}

/** What the ACME server said (its problem document), without anything secret. */
function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
