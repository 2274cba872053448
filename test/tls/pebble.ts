/**
 * A throwaway ACME server for tests: Debian's `pebble` on 127.0.0.1 with its
 * own config file and a directory certificate issued here from a test CA
 * (clients trust that CA explicitly; nothing disables verification), plus
 * `pebble-challtestsrv` as its DNS server answering every name with
 * 127.0.0.1, so pebble's HTTP-01 validation really fetches the token from the
 * proxy's http listener on loopback (pebble's `httpPort`). Both are stopped by
 * PID when the test ends, and killed if the test process exits first.
 *
 *   const pebble = await startPebble({ httpPort: proxyHttpPort });
 *   t.after(() => pebble.stop());
 */
import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import https from "node:https";
import { ownChild, stopChild } from "../support/children.js";
import { eventually, freePort } from "../support/net.js";
import { CertDir } from "./support.js";

export const PEBBLE = process.env["PEBBLE"] ?? "pebble";
export const CHALLTESTSRV = process.env["PEBBLE_CHALLTESTSRV"] ?? "pebble-challtestsrv";

export interface PebbleOptions {
  /** Where pebble sends HTTP-01 validation requests (the proxy's http listener); default: a closed port. */
  httpPort?: number;
  /** PEBBLE_VA_ALWAYS_VALID: challenges pass without being fetched. */
  alwaysValid?: boolean;
  /** Lifetime of issued certificates (pebble's certificateValidityPeriod); default pebble's (about 5 years). */
  validitySeconds?: number;
  /** Names pebble refuses to issue for (its domainBlocklist). */
  blocklist?: string[];
}

export interface TestPebble {
  /** The ACME directory URL. */
  readonly directory: string;
  /** PEM of the CA that signed the directory's HTTPS certificate (to trust for the directory only). */
  readonly directoryCa: string;
  /** Everything pebble printed, for assertions and failure messages. */
  readonly logs: string[];
  /** The root that issued certificates chain to (pebble makes a new one each start). */
  issuingRoot(): Promise<string>;
  /** Issued certificates so far, counted from pebble's log. */
  issuedCount(): number;
  stop(): Promise<void>;
}

function track(child: ChildProcess, logs: string[]): ChildProcess {
  child.stdout?.on("data", (d: Buffer) => logs.push(d.toString()));
  child.stderr?.on("data", (d: Buffer) => logs.push(d.toString()));
  return ownChild(child);
}

/** GET over HTTPS trusting only `ca`; undefined when nothing answers yet. */
export function getText(url: string, ca: string): Promise<{ status: number; body: string } | undefined> {
  return new Promise((resolve) => {
    const req = https.get(url, { ca, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode!, body }));
      res.on("error", () => resolve(undefined));
    });
    req.setTimeout(2000, () => req.destroy());
    req.on("error", () => resolve(undefined));
  });
}

export async function startPebble(options: PebbleOptions = {}): Promise<TestPebble> {
  const certs = await CertDir.create();
  await certs.issue("pebble", { names: ["127.0.0.1", "localhost"] });
  const [acmePort, managementPort, dnsPort, challManagementPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const configFile = certs.path("pebble-config.json");
  writeFileSync(configFile, JSON.stringify({
    pebble: {
      listenAddress: `127.0.0.1:${acmePort}`,
      managementListenAddress: `127.0.0.1:${managementPort}`,
      certificate: certs.path("pebble.pem"),
      privateKey: certs.path("pebble.key"),
      httpPort: options.httpPort ?? (await freePort()),
      // TLS-ALPN-01 is not offered by these tests' proxies; a closed port.
      tlsPort: await freePort(),
      ocspResponderURL: "",
      externalAccountBindingRequired: false,
      ...(options.blocklist ? { domainBlocklist: options.blocklist } : {}),
      ...(options.validitySeconds ? { certificateValidityPeriod: options.validitySeconds } : {}),
    },
  }));
  const logs: string[] = [];
  // Only the fake DNS is wanted from challtestsrv: its own challenge servers stay off.
  const dns = track(spawn(CHALLTESTSRV, [
    "-dns01", `127.0.0.1:${dnsPort}`, "-http01", "", "-https01", "", "-tlsalpn01", "",
    "-management", `127.0.0.1:${challManagementPort}`, "-defaultIPv4", "127.0.0.1", "-defaultIPv6", "",
  ], { stdio: ["ignore", "pipe", "pipe"] }), logs);
  const pebble = track(spawn(PEBBLE, ["-config", configFile, "-dnsserver", `127.0.0.1:${dnsPort}`], {
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      PEBBLE_VA_NOSLEEP: "1",
      // Every nonce is good and authorizations are never reused: each order is a full order.
      PEBBLE_WFE_NONCEREJECT: "0",
      PEBBLE_AUTHZREUSE: "0",
      ...(options.alwaysValid ? { PEBBLE_VA_ALWAYS_VALID: "1" } : {}),
    },
  }), logs);
  const directory = `https://127.0.0.1:${acmePort}/dir`;
  const stop = async () => {
    await Promise.all([stopChild(pebble), stopChild(dns)]);
    certs.remove();
  };
  try {
    const exited = new Promise<never>((_, reject) => pebble.once("exit", (code) => reject(new Error(`pebble exited with ${code}:\n${logs.join("")}`))));
    await Promise.race([eventually(async () => (await getText(directory, certs.ca.certPem))?.status === 200, 10_000, "pebble's directory"), exited]);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    directory,
    directoryCa: certs.ca.certPem,
    logs,
    async issuingRoot() {
      const root = await getText(`https://127.0.0.1:${managementPort}/roots/0`, certs.ca.certPem);
      if (root?.status !== 200) throw new Error("pebble's management API did not give its root");
      return root.body;
    },
    issuedCount: () => logs.join("").split("\n").filter((l) => /Issued certificate serial/i.test(l)).length,
    stop,
  };
}
