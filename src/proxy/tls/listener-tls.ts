/**
 * TLS termination of one https listener: the certificate table behind SNI,
 * reloads (config reload / SIGHUP, or a certificate file changing on disk)
 * that swap certificates without touching open connections, session ticket
 * keys rotated on the shared schedule, and the expiry metric.
 */
import type { Server as TlsServer, TlsOptions } from "node:tls";
import type { Registry } from "prom-client";
import type { ListenerTlsConfig } from "../../plan/tls-config.js";
import type { Logger } from "../runtime/log.js";
import { loadCertificates, type CertificateTable } from "./certificate-store.js";
import { PemFileWatcher } from "./file-watch.js";
import { exportCertificateExpiry } from "./metrics.js";
import { pemFiles } from "./pem.js";
import { serverOptions } from "./policy.js";
import { ticketKeys, ticketPeriod, ticketSeed, TICKET_ROTATION_MS } from "./ticket-keys.js";

export class ListenerTls {
  private table: CertificateTable;
  private server: TlsServer | undefined;
  private readonly files = new PemFileWatcher(() => this.reload("file-changed"));
  private rotation: NodeJS.Timeout | undefined;
  private period: number;
  private readonly unexport: () => void;

  constructor(
    private config: ListenerTlsConfig,
    readonly listenerName: string,
    private readonly logger: Logger,
    registry: Registry,
  ) {
    this.table = loadCertificates(config, config.certificates);
    this.period = ticketPeriod(Date.now());
    this.watch();
    this.unexport = exportCertificateExpiry(registry, this);
  }

  /** Options for the tls.Server of this listener. */
  serverOptions(): TlsOptions {
    const first = this.table.certificates[0]!;
    return serverOptions(this.config, first.options, (name, cb) => cb(null, this.table.sni.select(name).context), ticketKeys(ticketSeed(), this.period));
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
    return this.table.certificates.map((c) => ({ certificate: c.source, notAfter: c.notAfter }));
  }

  /** A reloaded config: re-read every certificate (SIGHUP reloads land here). */
  update(config: ListenerTlsConfig): void {
    this.config = config;
    this.reload("config-reloaded");
    this.watch();
  }

  /**
   * Loads the certificates again and swaps them in for new handshakes. On a
   * failure the previous certificates stay in use. Returns whether it swapped.
   */
  reload(reason: string): boolean {
    let next: CertificateTable;
    try {
      next = loadCertificates(this.config, this.config.certificates);
    } catch (err) {
      this.logger.error({ event: "tls-reload-failed", reason, err: (err as Error).message }, "certificates not reloaded; the previous ones stay in use");
      return false;
    }
    this.table = next;
    // Clients without SNI get the default context of the server itself.
    this.server?.setSecureContext(this.serverOptions());
    this.logger.info({ event: "tls-reloaded", reason, certificates: next.certificates.map((c) => ({ source: c.source, names: c.names, notAfter: new Date(c.notAfter).toISOString() })) }, "certificates loaded");
    return true;
  }

  close(): void {
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
