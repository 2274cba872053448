/**
 * TLS test helpers: a private CA and certificates issued at test time (no
 * private key is committed), files for them in a temporary directory, and
 * clients that speak TLS to a proxy on 127.0.0.1.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { IncomingHttpHeaders } from "node:http";
import https from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import tls from "node:tls";
import { createCertificateAuthority, issueCertificate, type CertificateAuthority, type LeafOptions } from "../../src/dev/certificates.js";
import type { CertificateConfig, ListenerTlsConfig } from "../../src/plan/proxy-config.js";

export class CertDir {
  readonly dir = mkdtempSync(join(tmpdir(), "edgeform-tls-"));
  private constructor(readonly ca: CertificateAuthority) {}

  static async create(): Promise<CertDir> {
    return new CertDir(await createCertificateAuthority("edgeform test CA"));
  }

  /** Issues a certificate and writes `<name>.pem` / `<name>.key`; returns the config pointing at them. */
  async issue(name: string, options: LeafOptions): Promise<CertificateConfig & { certPem: string; keyPem: string }> {
    const leaf = await issueCertificate(this.ca, options);
    return { ...this.write(name, leaf.certPem, leaf.keyPem), certPem: leaf.certPem, keyPem: leaf.keyPem };
  }

  write(name: string, certPem: string, keyPem: string): CertificateConfig {
    const cert = join(this.dir, `${name}.pem`);
    const key = join(this.dir, `${name}.key`);
    writeFileSync(cert, certPem);
    writeFileSync(key, keyPem, { mode: 0o600 });
    return { cert: { file: cert }, key: { file: key } };
  }

  path(file: string): string {
    return join(this.dir, file);
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export function listenerTls(certificates: CertificateConfig[], extra: Partial<ListenerTlsConfig> = {}): ListenerTlsConfig {
  return { certificates: certificates.map((c) => ({ cert: c.cert, key: c.key })), minVersion: "TLSv1.2", handshakeTimeoutMs: 10_000, ...extra };
}

export interface Handshake {
  socket: tls.TLSSocket;
  peer: tls.PeerCertificate;
}

/** Connects with TLS (trusting the test CA) and completes the handshake. */
export function connectTls(port: number, options: tls.ConnectionOptions = {}): Promise<Handshake> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: "127.0.0.1", port, ...options }, () => resolve({ socket, peer: socket.getPeerCertificate() }));
    socket.once("error", reject);
  });
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One HTTPS request on a fresh connection. */
export function httpsGet(port: number, path: string, options: { ca: string; servername?: string; headers?: Record<string, string>; agent?: https.Agent } = { ca: "" }): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = https.request({
      host: "127.0.0.1",
      port,
      path,
      ca: options.ca,
      servername: options.servername ?? "localhost",
      headers: { host: options.servername ?? "localhost", ...options.headers },
      agent: options.agent ?? false,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.setTimeout(10_000, () => req.destroy(new Error("client timeout")));
    req.on("error", reject);
    req.end();
  });
}

/** Writes raw bytes over TLS and collects what the server sends until it closes (or `waitMs` passes). */
export function rawTls(port: number, bytes: string, ca: string, waitMs = 2000): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: "127.0.0.1", port, ca, servername: "localhost" }, () => socket.write(bytes));
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ text: Buffer.concat(chunks).toString("latin1"), closed: false });
    }, waitMs);
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.on("close", () => {
      clearTimeout(timer);
      resolve({ text: Buffer.concat(chunks).toString("latin1"), closed: true });
    });
    socket.on("error", (e) => (chunks.length > 0 ? undefined : reject(e)));
  });
}
