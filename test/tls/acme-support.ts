/**
 * ACME test helpers: a proxy config with an http listener on a fixed loopback
 * port (where pebble validates HTTP-01) and an https listener whose
 * certificate comes from pebble, and clients that read what it serves.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import tls from "node:tls";
import type { AcmeConfig, CertificateConfig, ProxyRuntimeConfig } from "../../src/plan/proxy-config.js";
import { cluster, config, route, type Backend } from "../proxy/support.js";
import type { TestPebble } from "./pebble.js";

export const DOMAIN = "shop.edgeform.test";

export interface AcmeProxyOptions {
  httpPort: number;
  backend: Pick<Backend, "port">;
  pebble: TestPebble;
  /** Where the directory storage lives (a fresh temporary directory by default). */
  dataDir?: string;
  redis?: AcmeConfig["storage"]["redis"];
  domains?: string[];
  certificates?: CertificateConfig[];
  retry?: AcmeConfig["retry"];
  workers?: number;
  /** The http listener redirects everything else to https on this port. */
  redirectToHttpsPort?: number;
}

export function acmeProxyConfig(o: AcmeProxyOptions): ProxyRuntimeConfig {
  const dir = mkdtempSync(join(tmpdir(), "edgeform-acme-ca-"));
  const caFile = join(dir, "pebble-directory-ca.pem");
  writeFileSync(caFile, o.pebble.directoryCa);
  const acme: AcmeConfig = {
    email: "ops@edgeform.test",
    directory: o.pebble.directory,
    domains: o.domains ?? [DOMAIN],
    directoryCa: { file: caFile },
    storage: { scope: "acme-test/websecure", dataDir: o.dataDir ?? mkdtempSync(join(tmpdir(), "edgeform-acme-data-")), ...(o.redis ? { redis: o.redis } : {}) },
    ...(o.retry ? { retry: o.retry } : {}),
  };
  return config([cluster("app", [o.backend])], [route("all", "app", { listeners: ["web", "websecure"] })], {
    name: "acme-test",
    listeners: [
      { name: "web", protocol: "http", host: "127.0.0.1", port: o.httpPort, ...(o.redirectToHttpsPort ? { redirectToHttps: { port: o.redirectToHttpsPort } } : {}) },
      { name: "websecure", protocol: "http", host: "127.0.0.1", port: 0, tls: { certificates: o.certificates ?? [], acme, minVersion: "TLSv1.2", handshakeTimeoutMs: 10_000 } },
    ],
    ...(o.workers ? { workers: o.workers } : {}),
  });
}

export interface Served {
  /** The leaf and the rest of the chain the server sent, DER. */
  chain: Buffer[];
  serial: string;
  socket: tls.TLSSocket;
}

/** Handshakes with SNI `servername`, trusting `ca`; leaves the socket open for the caller. */
export function handshake(port: number, servername: string, ca: string): Promise<Served> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: "127.0.0.1", port, servername, ca }, () => {
      const chain: Buffer[] = [];
      let cert: tls.DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
      const seen = new Set<string>();
      while (cert?.raw && !seen.has(cert.fingerprint256)) {
        seen.add(cert.fingerprint256);
        chain.push(cert.raw);
        cert = cert.issuerCertificate;
      }
      resolve({ chain, serial: socket.getPeerCertificate().serialNumber, socket });
    });
    socket.once("error", reject);
  });
}

/** The serial served for `servername` on a fresh connection (closed again), or undefined when the handshake fails. */
export async function servedSerial(port: number, servername: string, ca: string): Promise<string | undefined> {
  try {
    const served = await handshake(port, servername, ca);
    served.socket.destroy();
    return served.serial;
  } catch {
    return undefined;
  }
}
