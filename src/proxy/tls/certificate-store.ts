/**
 * The certificates of one https listener: read from files or secrets, turned
 * into secure contexts, selected by SNI. A reload builds a complete new
 * table and swaps it in; handshakes already running keep the context they
 * got, so no connection is dropped, and a reload that fails (a half-written
 * file, a key that does not match) keeps the previous table.
 */
import { X509Certificate } from "node:crypto";
import { createSecureContext, type SecureContext, type SecureContextOptions } from "node:tls";
import { EdgeformError } from "../../errors.js";
import type { CertificateConfig, ListenerTlsConfig } from "../../plan/tls-config.js";
import { describePemSource, readPem } from "./pem.js";
import { contextOptions } from "./policy.js";
import { certificateNames, SniTable } from "./sni.js";

export interface LoadedCertificate {
  /** How the config names it, for logs and the expiry metric. */
  readonly source: string;
  readonly names: readonly string[];
  /** Epoch ms after which clients refuse it. */
  readonly notAfter: number;
  readonly options: SecureContextOptions;
  readonly context: SecureContext;
}

export interface CertificateTable {
  readonly certificates: readonly LoadedCertificate[];
  readonly sni: SniTable<LoadedCertificate>;
}

/** Reads and checks every certificate of a listener; throws EF_PROXY_TLS naming the one that failed. */
export function loadCertificates(config: ListenerTlsConfig, certificates: readonly CertificateConfig[], env: NodeJS.ProcessEnv = process.env): CertificateTable {
  if (certificates.length === 0) {
    throw new EdgeformError("EF_PROXY_TLS", "an https listener has no certificate to serve", {
      hint: "add `tls.certificates` to the listener, use `tls.acme`, or run it with `edgeform dev`, which issues local certificates",
    });
  }
  return certificateTable(certificates.map((c) => loadOne(config, c, env)));
}

/** Builds the SNI table; `fallback` answers clients that send no or an unknown name (the first by default). */
export function certificateTable(loaded: readonly LoadedCertificate[], fallback: LoadedCertificate = loaded[0]!): CertificateTable {
  return { certificates: loaded, sni: new SniTable(loaded.map((c) => ({ names: c.names, value: c })), fallback) };
}

function loadOne(config: ListenerTlsConfig, c: CertificateConfig, env: NodeJS.ProcessEnv): LoadedCertificate {
  return loadPemPair(config, describePemSource(c.cert), readPem(c.cert, env), readPem(c.key, env), describePemSource(c.key));
}

/** A certificate chain and its key as PEM text (files, secrets, or an ACME order). */
export function loadPemPair(config: Pick<ListenerTlsConfig, "minVersion">, source: string, cert: string, key: string, keySource = "its key"): LoadedCertificate {
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch (e) {
    throw new EdgeformError("EF_PROXY_TLS", `${source} is not a PEM certificate: ${(e as Error).message}`);
  }
  const options = contextOptions(config, cert, key);
  let context: SecureContext;
  try {
    // OpenSSL checks here that the key matches the certificate.
    context = createSecureContext(options);
  } catch (e) {
    throw new EdgeformError("EF_PROXY_TLS", `cannot use ${source} with key ${keySource}: ${(e as Error).message}`, {
      hint: "check that the key belongs to the certificate and that both are unencrypted PEM",
    });
  }
  return { source, names: certificateNames(x509.subjectAltName, x509.subject), notAfter: Date.parse(x509.validTo), options, context };
}
