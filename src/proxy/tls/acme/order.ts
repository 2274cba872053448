/**
 * One ACME order (RFC 8555 §7.4) with the acme-client library: the shared
 * account key (created once and stored), the account (registered, or found
 * again by its key), an order for the listener's domains answered with
 * HTTP-01 through the challenge board, a new ECDSA P-256 key and its CSR, and
 * the issued chain. Keys never leave this module except into storage.
 */
import { rootCertificates } from "node:tls";
import https from "node:https";
import acme from "acme-client";
import type { AcmeConfig } from "../../../plan/tls-config.js";
import { readPem } from "../pem.js";
import type { ChallengeBoard } from "./challenges.js";
import type { AcmeStorage } from "./storage.js";

export const ACCOUNT_KEY = "account-key";

export interface IssuedPair {
  certPem: string;
  keyPem: string;
}

/** Agents trusting a directory's extra CA, by the directory's origin: other origins keep Node's defaults. */
const agents = new Map<string, https.Agent>();
let interceptorInstalled = false;

// acme-client retries failed requests up to 5 times, 5 s apart and growing: the manager retries
// whole orders with its own back-off, so one quick retry here is enough.
const retrySettings = (acme.axios.defaults as { acmeSettings?: { retryMaxAttempts: number; retryDefaultDelay: number } }).acmeSettings;
if (retrySettings !== undefined) {
  retrySettings.retryMaxAttempts = 1;
  retrySettings.retryDefaultDelay = 1;
}

function trustDirectory(config: AcmeConfig, env: NodeJS.ProcessEnv): void {
  if (config.directoryCa === undefined) return;
  const origin = new URL(config.directory).origin;
  agents.set(origin, new https.Agent({ ca: [...rootCertificates, readPem(config.directoryCa, env)], keepAlive: true }));
  if (interceptorInstalled) return;
  interceptorInstalled = true;
  acme.axios.interceptors.request.use((request) => {
    const agent = request.url === undefined ? undefined : agents.get(new URL(request.url).origin);
    if (agent !== undefined) request.httpsAgent = agent;
    return request;
  });
}

async function accountKey(storage: AcmeStorage): Promise<string> {
  const stored = await storage.get(ACCOUNT_KEY);
  if (stored !== undefined) return stored;
  // Only the lock holder gets here, so two processes never create two accounts.
  const created = (await acme.crypto.createPrivateEcdsaKey("P-256")).toString();
  await storage.put(ACCOUNT_KEY, created);
  return created;
}

/** Runs a whole order; throws what the ACME server or the network answered. */
export async function orderCertificate(config: AcmeConfig, storage: AcmeStorage, board: ChallengeBoard, env: NodeJS.ProcessEnv = process.env): Promise<IssuedPair> {
  trustDirectory(config, env);
  const client = new acme.Client({
    directoryUrl: config.directory,
    accountKey: await accountKey(storage),
    // Status polls: quick at first, then backing off (a CA may take a while to validate).
    backoffAttempts: 12,
    backoffMin: 250,
    backoffMax: 10_000,
  });
  const [key, csr] = await acme.crypto.createCsr({ commonName: config.domains[0]!, altNames: config.domains }, await acme.crypto.createPrivateEcdsaKey("P-256"));
  const certPem = await client.auto({
    csr,
    email: config.email,
    termsOfServiceAgreed: true,
    challengePriority: ["http-01"],
    // The ACME server checks the answer itself; a pre-check from here would need the public DNS view of the names.
    skipChallengeVerification: true,
    challengeCreateFn: async (_authz, challenge, keyAuthorization) => {
      if (challenge.type !== "http-01") throw new Error(`challenge type ${challenge.type} is not supported`);
      await board.publish(storage, challenge.token, keyAuthorization);
    },
    challengeRemoveFn: async (_authz, challenge) => {
      await board.withdraw(storage, challenge.token);
    },
  });
  return { certPem, keyPem: key.toString() };
}
