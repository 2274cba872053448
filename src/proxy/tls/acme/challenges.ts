/**
 * HTTP-01 answers (RFC 8555 §8.3): `GET /.well-known/acme-challenge/<token>`
 * on the proxy's http listeners returns the key authorization. The order may
 * run in another worker or replica than the one the ACME server's request
 * reaches, so answers are published to the shared storage as well as kept
 * here, and looked up in both.
 */
import type { ProxyRequest, ProxyResponse } from "../../http1/index.js";
import type { AcmeStorage } from "./storage.js";

export const ACME_CHALLENGE_PREFIX = "/.well-known/acme-challenge/";
/** base64url, as RFC 8555 §8.3 requires of tokens. */
const TOKEN = /^[A-Za-z0-9_-]{1,256}$/;
/** An answer outlives its order only briefly if the order dies before cleaning up. */
const ANSWER_TTL_MS = 10 * 60_000;

const storageKey = (token: string) => `http-01.${token}`;

/** An order waits at most this long for an http listener of its process to be bound. */
const LISTENING_WAIT_MS = 10_000;

export class ChallengeBoard {
  private readonly local = new Map<string, string>();
  private readonly storages = new Set<AcmeStorage>();
  private markAnswering!: () => void;
  private readonly bound = new Promise<void>((resolve) => (this.markAnswering = resolve));

  /** An http listener that answers challenges is bound (listeners are created before they bind). */
  answering(): void {
    this.markAnswering();
  }

  /**
   * Resolves once this process answers challenges, so that an order started
   * at boot is not validated against a port nobody listens on yet; after a
   * bounded wait it resolves anyway (another replica may answer).
   */
  whenAnswering(): Promise<void> {
    return Promise.race([this.bound, new Promise<void>((r) => setTimeout(r, LISTENING_WAIT_MS).unref())]);
  }

  /** Storages whose answers this process serves (one per ACME listener). */
  register(storage: AcmeStorage): () => void {
    this.storages.add(storage);
    return () => this.storages.delete(storage);
  }

  async publish(storage: AcmeStorage, token: string, keyAuthorization: string): Promise<void> {
    this.local.set(token, keyAuthorization);
    await storage.put(storageKey(token), keyAuthorization, ANSWER_TTL_MS);
  }

  async withdraw(storage: AcmeStorage, token: string): Promise<void> {
    this.local.delete(token);
    await storage.delete(storageKey(token));
  }

  async lookup(token: string): Promise<string | undefined> {
    if (!TOKEN.test(token)) return undefined;
    const here = this.local.get(token);
    if (here !== undefined) return here;
    for (const storage of this.storages) {
      const found = await storage.get(storageKey(token)).catch(() => undefined);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  /** Answers a request whose target starts with ACME_CHALLENGE_PREFIX; resolves to the status sent. */
  async answer(req: ProxyRequest, res: ProxyResponse, via: string): Promise<number> {
    const token = req.url.slice(ACME_CHALLENGE_PREFIX.length).split("?")[0]!;
    const found = req.method === "GET" || req.method === "HEAD" ? await this.lookup(token) : undefined;
    const status = found === undefined ? 404 : 200;
    const body = found ?? "404 Not Found: no such ACME challenge\n";
    res.writeHead(status, ["content-type", found === undefined ? "text/plain; charset=utf-8" : "application/octet-stream", "content-length", String(Buffer.byteLength(body)), "cache-control", "no-store", "via", via]);
    res.end(req.method === "HEAD" ? undefined : body);
    return status;
  }
}
