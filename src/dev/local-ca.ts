/**
 * `edgeform dev`'s local certificate authority, as Caddy and mkcert do it:
 * created once in the user's edgeform data directory (its private key
 * readable by the user only), then used to issue a leaf certificate for
 * localhost, 127.0.0.1, ::1 and the spec's hosts whenever dev starts or the
 * spec changes. Trusting the CA once (NODE_EXTRA_CA_CERTS, curl --cacert, the
 * system store) makes every dev topology's HTTPS trusted.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { CertificateConfig } from "../plan/tls-config.js";
import type { Topology } from "../spec/types.js";
import { createCertificateAuthority, issueCertificate, loadCertificateAuthority, type CertificateAuthority } from "./certificates.js";

export interface LocalCa {
  authority: CertificateAuthority;
  /** Path of the CA certificate (what users trust). */
  certFile: string;
  /** Whether it was created by this call. */
  created: boolean;
}

export { edgeformDataDir } from "../data-dir.js";

export async function ensureLocalCa(dataDir: string): Promise<LocalCa> {
  const dir = join(dataDir, "ca");
  const certFile = join(dir, "edgeform-local-ca.pem");
  const keyFile = join(dir, "edgeform-local-ca-key.pem");
  if (existsSync(certFile) && existsSync(keyFile)) {
    return { authority: await loadCertificateAuthority(readFileSync(certFile, "utf8"), readFileSync(keyFile, "utf8")), certFile, created: false };
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const authority = await createCertificateAuthority("edgeform local development CA");
  // The key first and private from its first byte; the certificate is public.
  writeFileSync(keyFile, authority.keyPem, { mode: 0o600 });
  chmodSync(keyFile, 0o600);
  writeFileSync(certFile, authority.certPem, { mode: 0o644 });
  return { authority, certFile, created: true };
}

/** Names the dev certificate covers: loopback and every host the spec routes (wildcards included). */
export function devCertificateNames(topology: Topology): string[] {
  const hosts = (topology.edge.routes ?? [])
    .map((r) => r.match.host?.toLowerCase().replace(/:[0-9]+$/, ""))
    .filter((h): h is string => h !== undefined);
  return [...new Set(["localhost", "127.0.0.1", "::1", ...hosts])];
}

/** Issues the dev leaf certificate into `dir` (key mode 0600) and returns the config naming its files. */
export async function issueDevCertificate(ca: CertificateAuthority, names: string[], dir: string): Promise<CertificateConfig> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const leaf = await issueCertificate(ca, { names });
  const cert = join(dir, "dev-certificate.pem");
  const key = join(dir, "dev-certificate-key.pem");
  // Key before certificate: the proxy's file watcher reloads once both are new.
  writeFileSync(key, leaf.keyPem, { mode: 0o600 });
  writeFileSync(cert, `${leaf.certPem}${ca.certPem}`);
  return { cert: { file: cert }, key: { file: key } };
}

/** Whether a topology has an https listener that dev must serve with a local-CA certificate. */
export function needsDevCertificate(topology: Topology): boolean {
  return topology.edge.listeners.some((l) => l.protocol === "https" && ((l.tls?.certificates ?? []).length === 0 || l.tls?.acme !== undefined));
}
