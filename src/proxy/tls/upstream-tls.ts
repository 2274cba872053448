/**
 * TLS towards a fleet's backends: one secure context per fleet setting (the
 * CA to verify against, or Node's bundled and system roots, and the client
 * certificate for mTLS), the SNI name and the identity that is verified.
 * Pools and health probes of the fleet use the same options, so a probe
 * reaches a backend exactly as requests do.
 *
 * The CA and client certificate files are re-read when they change on disk
 * and on a config reload (SIGHUP): the new context serves new connections,
 * and `key` changes with it, so pools keyed on it open new connections with
 * the new files while connections already made are left alone. A re-read
 * that fails (a half-written file) keeps the previous context.
 */
import { createHash } from "node:crypto";
import { isIP } from "node:net";
import { createSecureContext, rootCertificates, type ConnectionOptions, type SecureContext } from "node:tls";
import { EdgeformError } from "../../errors.js";
import type { UpstreamTlsConfig } from "../../plan/tls-config.js";
import { PemFileWatcher } from "./file-watch.js";
import { pemFiles, readPem } from "./pem.js";
import { CIPHERS } from "./policy.js";

interface Material {
  context: SecureContext;
  /** Identifies the setting and the PEM it was made from. */
  key: string;
}

export interface UpstreamTlsEvents {
  /** Files were re-read and differ: new connections use them. */
  onReloaded?(reason: string): void;
  /** A re-read failed; the previous files stay in use. */
  onReloadFailed?(reason: string, err: Error): void;
}

export class UpstreamTls {
  private material: Material;
  private readonly files = new PemFileWatcher(() => this.reload("file-changed"));

  constructor(
    readonly config: UpstreamTlsConfig,
    private readonly env: NodeJS.ProcessEnv = process.env,
    private readonly events: UpstreamTlsEvents = {},
  ) {
    this.material = load(config, env);
    const client = config.clientCertificate;
    this.files.follow(pemFiles([...(config.ca ? [config.ca] : []), ...(client ? [client.cert, client.key] : [])]));
  }

  /** Identifies the setting and its current files in pool keys: new files, new connections. */
  get key(): string {
    return this.material.key;
  }

  /** Reads the files again; returns whether anything changed. On a failure the previous context stays. */
  reload(reason: string): boolean {
    let next: Material;
    try {
      next = load(this.config, this.env);
    } catch (err) {
      this.events.onReloadFailed?.(reason, err as Error);
      return false;
    }
    if (next.key === this.material.key) return false;
    this.material = next;
    this.events.onReloaded?.(reason);
    return true;
  }

  /** Stops watching the files. */
  close(): void {
    this.files.close();
  }

  /**
   * tls.connect options for one backend address. `alpn`: the protocols to
   * offer; HTTP/1.1 by default, none for a TCP listener's opaque bytes.
   */
  connectOptions(host: string, alpn: readonly string[] = ["http/1.1"]): ConnectionOptions {
    const servername = this.config.serverName ?? (isIP(host) === 0 ? host : undefined);
    return {
      secureContext: this.material.context,
      rejectUnauthorized: this.config.verify,
      ...(alpn.length > 0 ? { ALPNProtocols: [...alpn] } : {}),
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

function load(config: UpstreamTlsConfig, env: NodeJS.ProcessEnv): Material {
  const ca = config.ca === undefined ? undefined : readPem(config.ca, env);
  const cert = config.clientCertificate === undefined ? undefined : readPem(config.clientCertificate.cert, env);
  const key = config.clientCertificate === undefined ? undefined : readPem(config.clientCertificate.key, env);
  let context: SecureContext;
  try {
    context = createSecureContext({
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
  return { context, key: createHash("sha256").update(JSON.stringify(config)).update(ca ?? "").update(cert ?? "").update(key ?? "").digest("hex").slice(0, 16) };
}
