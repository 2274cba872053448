/**
 * TLS towards a fleet's backends: one secure context per fleet setting (the
 * CA to verify against, or Node's bundled and system roots, and the client
 * certificate for mTLS), the SNI name and the identity that is verified.
 * Pools and health probes of the fleet use the same options, so a probe
 * reaches a backend exactly as requests do.
 */
import { createHash } from "node:crypto";
import { isIP } from "node:net";
import { createSecureContext, rootCertificates, type ConnectionOptions, type SecureContext } from "node:tls";
import { EdgeformError } from "../../errors.js";
import type { UpstreamTlsConfig } from "../../plan/tls-config.js";
import { readPem } from "./pem.js";
import { CIPHERS } from "./policy.js";

export class UpstreamTls {
  /** Identifies the setting in pool keys: a fleet whose TLS setting changes gets new connections. */
  readonly key: string;
  private readonly context: SecureContext;

  constructor(
    readonly config: UpstreamTlsConfig,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    const ca = config.ca === undefined ? undefined : readPem(config.ca, env);
    const cert = config.clientCertificate === undefined ? undefined : readPem(config.clientCertificate.cert, env);
    const key = config.clientCertificate === undefined ? undefined : readPem(config.clientCertificate.key, env);
    try {
      this.context = createSecureContext({
        // Without a CA of its own the fleet is verified against the public roots.
        ca: ca ?? [...rootCertificates],
        ...(cert !== undefined ? { cert, key } : {}),
        minVersion: "TLSv1.2",
        ciphers: CIPHERS,
      });
    } catch (e) {
      throw new EdgeformError("EF_PROXY_TLS", `the fleet's TLS settings cannot be used: ${(e as Error).message}`, {
        hint: "check that tls.ca is a PEM certificate bundle and that tls.clientCertificate's key belongs to its certificate",
      });
    }
    this.key = createHash("sha256").update(JSON.stringify(config)).update(ca ?? "").update(cert ?? "").update(key ?? "").digest("hex").slice(0, 16);
  }

  /** tls.connect options for one backend address. */
  connectOptions(host: string): ConnectionOptions {
    const servername = this.config.serverName ?? (isIP(host) === 0 ? host : undefined);
    return {
      secureContext: this.context,
      rejectUnauthorized: this.config.verify,
      ALPNProtocols: ["http/1.1"],
      ...(servername !== undefined ? { servername } : {}),
    };
  }
}

/** TLS failures of a connection to a backend: the certificate did not verify, or the handshake failed. */
export function upstreamTlsFailure(code: string, detail: string): { reason: string; message: string } | undefined {
  if (CERTIFICATE_ERRORS.has(code)) return { reason: "tls-verify", message: `the backend's certificate was refused (${code}: ${detail})` };
  if (code.startsWith("ERR_SSL_") || code.startsWith("ERR_TLS_")) return { reason: "tls-handshake", message: `the TLS handshake with the backend failed (${code}: ${detail})` };
  return undefined;
}

/** OpenSSL's X509_V_ERR_* names as Node reports them in err.code (the common ones). */
const CERTIFICATE_ERRORS = new Set([
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "CERT_REVOKED",
  "CERT_UNTRUSTED",
  "CERT_REJECTED",
  "CERT_SIGNATURE_FAILURE",
  "INVALID_CA",
  "INVALID_PURPOSE",
  "HOSTNAME_MISMATCH",
]);
