/**
 * The TLS policy of every https listener: TLS 1.2 and 1.3 only, forward-secret
 * AEAD ciphers only (Mozilla's "intermediate" list), no renegotiation, no
 * compression, ALPN http/1.1, and a deadline for the handshake.
 */
import { constants } from "node:crypto";
import type { SecureContextOptions, TlsOptions } from "node:tls";
import type { ListenerTlsConfig } from "../../plan/tls-config.js";

/** TLS 1.3 suites first (OpenSSL picks among them separately), then TLS 1.2 ECDHE + AEAD. */
export const CIPHERS = [
  "TLS_AES_128_GCM_SHA256",
  "TLS_AES_256_GCM_SHA384",
  "TLS_CHACHA20_POLY1305_SHA256",
  "ECDHE-ECDSA-AES128-GCM-SHA256",
  "ECDHE-RSA-AES128-GCM-SHA256",
  "ECDHE-ECDSA-AES256-GCM-SHA384",
  "ECDHE-RSA-AES256-GCM-SHA384",
  "ECDHE-ECDSA-CHACHA20-POLY1305",
  "ECDHE-RSA-CHACHA20-POLY1305",
].join(":");

/** HTTP/2 joins once the proxy has an HTTP/2 codec. */
export const ALPN_PROTOCOLS = ["http/1.1"];

/**
 * No client-initiated renegotiation at all (TLS 1.3 has none; for 1.2 it is a
 * known CPU-exhaustion vector), and no TLS compression (CRIME).
 */
const SECURE_OPTIONS = constants.SSL_OP_NO_RENEGOTIATION | constants.SSL_OP_NO_COMPRESSION;

/** Options of one certificate's secure context (what SNI selects between). */
export function contextOptions(config: Pick<ListenerTlsConfig, "minVersion">, cert: string, key: string): SecureContextOptions {
  return {
    cert,
    key,
    minVersion: config.minVersion,
    maxVersion: "TLSv1.3",
    ciphers: CIPHERS,
    honorCipherOrder: true,
    ecdhCurve: "X25519:P-256:P-384",
    secureOptions: SECURE_OPTIONS,
  };
}

/** Options of the listening tls.Server (the default certificate's context options included). */
export function serverOptions(config: ListenerTlsConfig, defaultContext: SecureContextOptions, sni: NonNullable<TlsOptions["SNICallback"]>, ticketKeys: Buffer): TlsOptions {
  return {
    ...defaultContext,
    ALPNProtocols: ALPN_PROTOCOLS,
    SNICallback: sni,
    handshakeTimeout: config.handshakeTimeoutMs,
    ticketKeys,
    requestCert: false,
  };
}
