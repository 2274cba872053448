/**
 * The TLS part of the proxy runtime config, and how plan derives it from the
 * spec. PEM material is never copied into the config: a file is named by its
 * path and a secret by the environment variable the proxy reads it from.
 * Where each PEM ends up is the caller's choice (a PemPlacement): in place on
 * this machine, or as files uploaded into Docker edge containers
 * (tls-files.ts).
 */
import { isAbsolute, resolve } from "node:path";
import type { FleetTlsSpec, ListenerTlsSpec, PemSourceSpec, TlsCertificateSpec, Topology } from "../spec/types.js";
import { ms } from "../spec/units.js";

/** Where PEM text comes from at run time. */
export type PemSourceConfig = { file: string } | { env: string };

export interface CertificateConfig {
  cert: PemSourceConfig;
  key: PemSourceConfig;
}

export interface AcmeConfig {
  email: string;
  directory: string;
  domains: string[];
  /** A CA bundle trusted for the directory's HTTPS only, on top of the system roots (a private or test ACME server). */
  directoryCa?: PemSourceConfig;
  storage: AcmeStorageConfig;
  /** Back-off after a failed order, doubling from minMs up to maxMs; default 1 min to 1 h. */
  retry?: { minMs: number; maxMs: number };
}

/**
 * Where the account key, the certificate and the HTTP-01 answers are kept so
 * that every worker and every replica share them: the Redis tier when the
 * topology has one, else files under `dataDir`.
 */
export interface AcmeStorageConfig {
  /** Keys and paths are scoped by this ("<topology>/<listener>"): listeners and topologies never share state. */
  scope: string;
  redis?: { url: string; urlEnv?: string; passwordEnv?: string; timeoutMs: number };
  /** Default: the user's edgeform data directory (EDGEFORM_DATA_DIR), under acme/. */
  dataDir?: string;
}

export interface ListenerTlsConfig {
  /** Chosen by SNI; the first is the default. Empty when ACME or dev's local CA provides them. */
  certificates: CertificateConfig[];
  acme?: AcmeConfig;
  minVersion: "TLSv1.2" | "TLSv1.3";
  /** The Strict-Transport-Security value, when the listener sends one. */
  hsts?: string;
  /** A client that has not completed its handshake by then is disconnected. */
  handshakeTimeoutMs: number;
}

export interface UpstreamTlsConfig {
  /** SNI and the name checked in the origin's certificate; default: the endpoint host. */
  serverName?: string;
  /** CA bundle to verify against; default: Node's bundled and system roots. */
  ca?: PemSourceConfig;
  verify: boolean;
  clientCertificate?: CertificateConfig;
}

export const TLS_DEFAULTS = {
  minVersion: "TLSv1.2",
  handshakeTimeoutMs: 10_000,
  acmeDirectory: "https://acme-v02.api.letsencrypt.org/directory",
} as const;

/** How plan turns secret names into environment variables (plan.ts's secretEnvName). */
export type SecretEnvName = (secret: string) => string;

/**
 * Where the proxy finds one PEM of the spec. `slot` names its use, unique in
 * the topology ("listeners/websecure/0-key.pem"); `privateKey` marks a key.
 */
export type PemPlacement = (ref: PemSourceSpec, slot: string, privateKey: boolean) => PemSourceConfig;

/** A `{ file }` reference as a path: relative ones are relative to the spec's directory. */
export function specFilePath(file: string, specDir: string | undefined): string {
  return specDir === undefined || isAbsolute(file) ? file : resolve(specDir, file);
}

/** On the machine that runs the proxy: files where the spec says, secrets from the environment. */
export function pemInPlace(specDir: string | undefined, envName: SecretEnvName): PemPlacement {
  return (ref) => ("secret" in ref ? { env: envName(ref.secret) } : { file: specFilePath(ref.file, specDir) });
}

function planCertificate(c: TlsCertificateSpec, slot: string, place: PemPlacement): CertificateConfig {
  return { cert: place(c.cert, `${slot}-cert.pem`, false), key: place(c.key, `${slot}-key.pem`, true) };
}

/**
 * `localCertificate` (dev only): served instead when the listener's
 * certificates come from ACME or are not given, so a production spec runs
 * unchanged on a laptop.
 */
export function planListenerTls(listener: string, spec: ListenerTlsSpec | undefined, place: PemPlacement, localCertificate?: CertificateConfig, acmeStorage?: AcmeStorageConfig): ListenerTlsConfig {
  const local = localCertificate !== undefined && ((spec?.certificates ?? []).length === 0 || spec?.acme !== undefined);
  // Placed only when served: a certificate dev replaces is never uploaded anywhere.
  const given = local ? [] : (spec?.certificates ?? []).map((c, i) => planCertificate(c, `listeners/${listener}/${i}`, place));
  const config: ListenerTlsConfig = {
    certificates: local ? [localCertificate] : given,
    minVersion: spec?.minVersion ?? TLS_DEFAULTS.minVersion,
    handshakeTimeoutMs: TLS_DEFAULTS.handshakeTimeoutMs,
  };
  if (spec?.acme && !local && acmeStorage) {
    config.acme = { email: spec.acme.email, directory: spec.acme.directory ?? TLS_DEFAULTS.acmeDirectory, domains: [...spec.acme.domains], storage: acmeStorage };
  }
  if (spec?.hsts) config.hsts = hstsValue(spec.hsts);
  return config;
}

/** RFC 6797 §6.1: max-age in seconds, then the optional directives. */
export function hstsValue(hsts: NonNullable<ListenerTlsSpec["hsts"]>): string {
  let value = `max-age=${Math.floor(ms(hsts.maxAge) / 1000)}`;
  if (hsts.includeSubDomains) value += "; includeSubDomains";
  if (hsts.preload) value += "; preload";
  return value;
}

export function planUpstreamTls(fleet: string, spec: FleetTlsSpec, place: PemPlacement): UpstreamTlsConfig {
  const config: UpstreamTlsConfig = { verify: spec.verify ?? true };
  if (spec.serverName !== undefined) config.serverName = spec.serverName;
  if (spec.ca) config.ca = place(spec.ca, `fleets/${fleet}/ca.pem`, false);
  if (spec.clientCertificate) config.clientCertificate = planCertificate(spec.clientCertificate, `fleets/${fleet}/client`, place);
  return config;
}

/** Secret names the TLS settings of a topology read PEM text from. */
export function tlsSecrets(topology: Topology): string[] {
  const pairs = (c: TlsCertificateSpec | undefined) => (c === undefined ? [] : [c.cert, c.key]);
  const refs: PemSourceSpec[] = [
    ...topology.edge.listeners.flatMap((l) => (l.tls?.certificates ?? []).flatMap(pairs)),
    ...Object.values(topology.fleets).flatMap((f) => [...(f.tls?.ca ? [f.tls.ca] : []), ...pairs(f.tls?.clientCertificate)]),
  ];
  return [...new Set(refs.flatMap((r) => ("secret" in r ? [r.secret] : [])))];
}
