/**
 * Issuing X.509 certificates: a certificate authority and the leaf
 * certificates it signs (ECDSA P-256), as PEM text. `edgeform dev` uses it for
 * its local CA; the tests use it for private CAs, wrong names, expired and
 * client certificates, so no private key is ever committed.
 */
import { webcrypto } from "node:crypto";
import { isIP } from "node:net";
import * as x509 from "@peculiar/x509";

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

// The library types its provider with the DOM Crypto type, which this Node-only build does not load.
x509.cryptoProvider.set(webcrypto as never);

const ALGORITHM = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const DAY_MS = 86_400_000;

export interface IssuedCertificate {
  certPem: string;
  keyPem: string;
}

export interface CertificateAuthority extends IssuedCertificate {
  readonly name: string;
  /** For signing; not exported beyond keyPem. */
  readonly signingKey: CryptoKey;
}

export interface LeafOptions {
  /** DNS names ("*.example.com" allowed) and IP addresses, in the subjectAltName. */
  names: string[];
  /** "server" (default) or "client" (mTLS) certificate. */
  usage?: "server" | "client";
  notBefore?: Date;
  notAfter?: Date;
}

export async function createCertificateAuthority(name: string, validityDays = 3650): Promise<CertificateAuthority> {
  const keys = (await webcrypto.subtle.generateKey(ALGORITHM, true, ["sign", "verify"])) as CryptoKeyPair;
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${name}`,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + validityDays * DAY_MS),
    signingAlgorithm: ALGORITHM,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { name, certPem: pemText(cert.toString("pem")), keyPem: await keyPem(keys.privateKey), signingKey: keys.privateKey };
}

/** A CA read back from PEM (the dev CA is created once and kept on disk). */
export async function loadCertificateAuthority(certPem: string, keyPemText: string): Promise<CertificateAuthority> {
  const cert = new x509.X509Certificate(certPem);
  const der = Buffer.from(keyPemText.replace(/-----[^-]+-----/g, "").replace(/\s+/g, ""), "base64");
  const signingKey = await webcrypto.subtle.importKey("pkcs8", der, ALGORITHM, true, ["sign"]);
  return { name: cert.subject.replace(/^CN=/, ""), certPem, keyPem: keyPemText, signingKey };
}

export async function issueCertificate(ca: CertificateAuthority, options: LeafOptions): Promise<IssuedCertificate> {
  const keys = (await webcrypto.subtle.generateKey(ALGORITHM, true, ["sign", "verify"])) as CryptoKeyPair;
  const now = Date.now();
  const caCert = new x509.X509Certificate(ca.certPem);
  const server = (options.usage ?? "server") === "server";
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${options.names[0] ?? "edgeform"}`,
    issuer: caCert.subject,
    notBefore: options.notBefore ?? new Date(now - 60_000),
    notAfter: options.notAfter ?? new Date(now + 90 * DAY_MS),
    signingAlgorithm: ALGORITHM,
    publicKey: keys.publicKey,
    signingKey: ca.signingKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([server ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth]),
      new x509.SubjectAlternativeNameExtension(options.names.map((n) => (isIP(n) ? { type: "ip" as const, value: n } : { type: "dns" as const, value: n }))),
      await x509.AuthorityKeyIdentifierExtension.create(caCert, false),
    ],
  });
  return { certPem: pemText(cert.toString("pem")), keyPem: await keyPem(keys.privateKey) };
}

async function keyPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", key));
  return pemText(x509.PemConverter.encode(der, "PRIVATE KEY"));
}

/** PEM as files have it: one final newline, so blocks can be concatenated into a chain. */
function pemText(pem: string): string {
  return pem.endsWith("\n") ? pem : `${pem}\n`;
}

/** A positive 16-byte serial (RFC 5280 §4.1.2.2: at most 20 bytes, positive). */
function serial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = bytes[0]! & 0x7f;
  return Buffer.from(bytes).toString("hex");
}
