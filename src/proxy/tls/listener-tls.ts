/**
 * TLS termination of one https listener: the certificate table behind SNI,
 * reloads (config reload / SIGHUP, or a certificate file changing on disk)
 * that swap certificates without touching open connections, session ticket
 * keys rotated on the shared schedule, and the expiry metric. With
 * `tls.acme`, an ACME manager supplies one more certificate (first for its
 * names); until it has one, the configured certificates are served, and a
 * listener with none refuses handshakes.
 */
import type { Server as TlsServer, TlsOptions } from "node:tls";
import type { Registry } from "prom-client";
import type { AcmeConfig, ListenerTlsConfig } from "../../plan/tls-config.js";
import type { Logger } from "../runtime/log.js";
import type { ChallengeBoard } from "./acme/challenges.js";
import { AcmeManager } from "./acme/manager.js";
import type { IssuedPair } from "./acme/order.js";
import { PemFileWatcher } from "./file-watch.js";
import { certificateTable, loadCertificates, loadPemPair, type CertificateTable, type LoadedCertificate } from "./certificate-store.js";
import { exportCertificateExpiry } from "./metrics.js";
import { pemFiles } from "./pem.js";
import { contextOptions, serverOptions } from "./policy.js";
import { ticketKeys, ticketPeriod, ticketSeed, TICKET_ROTATION_MS } from "./ticket-keys.js";

export class ListenerTls {
  /** Undefined only while an ACME listener without configured certificates waits for its first. */
  private table: CertificateTable | undefined;
  private configured: readonly LoadedCertificate[];
  private managed: LoadedCertificate | undefined;
  private acme: AcmeManager | undefined;
  private server: TlsServer | undefined;
  private readonly files = new PemFileWatcher(() => this.reload("file-changed"));
  private rotation: NodeJS.Timeout | undefined;
  private period: number;
  private readonly unexport: () => void;

  constructor(
    private config: ListenerTlsConfig,
    readonly listenerName: string,
    private readonly logger: Logger,
    private readonly registry: Registry,
    private readonly board?: ChallengeBoard,
  ) {
    this.configured = this.loadConfigured(config);
    this.table = this.compose();
    this.period = ticketPeriod(Date.now());
    this.watch();
    this.unexport = exportCertificateExpiry(registry, this);
    this.startAcme(config.acme);
  }

  /** Options for the tls.Server of this listener. */
  serverOptions(): TlsOptions {
    const first = this.table?.certificates[0];
    // Without any certificate yet, the server has no default one and SNI answers with an error.
    const { cert: _cert, key: _key, ...withoutCertificate } = contextOptions(this.config, "", "");
    return serverOptions(this.config, first?.options ?? withoutCertificate, (name, cb) => {
      const table = this.table;
      if (table === undefined) cb(new Error("no certificate yet: the ACME order has not completed"), undefined);
      else cb(null, table.sni.select(name).context);
    }, ticketKeys(ticketSeed(), this.period));
  }

  /** Follows the server: rotates its ticket keys, logs failed handshakes. */
  attach(server: TlsServer): void {
    this.server = server;
    server.on("tlsClientError", (err: NodeJS.ErrnoException, socket) => {
      this.logger.debug({ event: "tls-handshake-failed", code: err.code, reason: err.message, client: socket.remoteAddress }, "TLS handshake failed");
      // Node reports a handshake timeout here but leaves the connection open: close it.
      socket.destroy();
    });
    this.scheduleRotation();
  }

  expiries(): Array<{ certificate: string; notAfter: number }> {
    return (this.table?.certificates ?? []).map((c) => ({ certificate: c.source, notAfter: c.notAfter }));
  }

  /** A reloaded config: re-read every certificate (SIGHUP reloads land here). */
  update(config: ListenerTlsConfig): void {
    const acmeChanged = JSON.stringify(config.acme) !== JSON.stringify(this.config.acme);
    this.config = config;
    // The ACME certificate in use stays served until the restarted manager replaces it.
    if (acmeChanged) {
      void this.acme?.stop();
      this.startAcme(config.acme);
    }
    this.reload("config-reloaded");
    this.watch();
  }

  /** Serves an ACME certificate (first for its names) from the next handshake on. */
  installManaged(pair: IssuedPair): boolean {
    try {
      this.managed = loadPemPair(this.config, `acme:${this.config.acme?.domains[0] ?? this.listenerName}`, pair.certPem, pair.keyPem);
    } catch (err) {
      this.logger.error({ event: "acme-certificate-unusable", err: (err as Error).message }, "the ACME certificate cannot be served; the previous one stays in use");
      return false;
    }
    this.swap(this.compose());
    return true;
  }

  /**
   * Loads the certificates again and swaps them in for new handshakes. On a
   * failure the previous certificates stay in use. Returns whether it swapped.
   */
  reload(reason: string): boolean {
    try {
      this.configured = this.loadConfigured(this.config);
    } catch (err) {
      this.logger.error({ event: "tls-reload-failed", reason, err: (err as Error).message }, "certificates not reloaded; the previous ones stay in use");
      return false;
    }
    const next = this.compose();
    this.swap(next);
    this.logger.info({ event: "tls-reloaded", reason, certificates: next?.certificates.map((c) => ({ source: c.source, names: c.names, notAfter: new Date(c.notAfter).toISOString() })) ?? [] }, "certificates loaded");
    return true;
  }

  private swap(next: CertificateTable | undefined): void {
    this.table = next;
    // Clients without SNI get the default context of the server itself.
    if (next !== undefined) this.server?.setSecureContext(this.serverOptions());
  }

  /** An ACME listener may have no configured certificates; any other needs at least one. */
  private loadConfigured(config: ListenerTlsConfig): readonly LoadedCertificate[] {
    if (config.acme !== undefined && config.certificates.length === 0) return [];
    return loadCertificates(config, config.certificates).certificates;
  }

  /** The ACME certificate wins its names; the configured first certificate stays the default when there is one. */
  private compose(): CertificateTable | undefined {
    const all = this.managed === undefined ? this.configured : [this.managed, ...this.configured];
    if (all.length === 0) return undefined;
    return certificateTable(all, this.configured[0] ?? this.managed);
  }

  private startAcme(acme: AcmeConfig | undefined): void {
    this.acme = undefined;
    if (acme === undefined || this.board === undefined) return;
    this.acme = new AcmeManager(acme, this.listenerName, { install: (pair) => this.installManaged(pair) }, this.logger, this.registry, this.board);
    this.acme.start();
  }

  close(): void {
    void this.acme?.stop();
    this.files.close();
    if (this.rotation !== undefined) clearTimeout(this.rotation);
    this.unexport();
  }

  private watch(): void {
    this.files.follow(pemFiles(this.config.certificates.flatMap((c) => [c.cert, c.key])));
  }

  private scheduleRotation(): void {
    const next = (this.period + 1) * TICKET_ROTATION_MS;
    this.rotation = setTimeout(() => {
      this.period = ticketPeriod(Date.now());
      this.server?.setTicketKeys(ticketKeys(ticketSeed(), this.period));
      this.scheduleRotation();
    }, Math.max(1000, next - Date.now()));
    this.rotation.unref();
  }
}
