/**
 * Client side of the e2e test: requests to 127.0.0.1 only (the published
 * edge and Prometheus ports), a bounded load generator that counts every
 * failure, and small polling helpers with deadlines.
 */
import { Agent, request } from "undici";

export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export class LoopbackClient {
  private readonly agent = new Agent({ connections: 16, keepAliveTimeout: 10_000, connectTimeout: 2_000, headersTimeout: 10_000, bodyTimeout: 10_000 });

  /** `host`: the Host header to send (default 127.0.0.1:<port>, which differs per published port). */
  async get(port: number, path: string, host?: string): Promise<Reply> {
    const res = await request(`http://127.0.0.1:${port}${path}`, { dispatcher: this.agent, method: "GET", ...(host ? { headers: { host } } : {}) });
    const body = await res.body.text();
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(", ") : v;
    return { status: res.statusCode, headers, body };
  }

  async getJson<T>(port: number, path: string): Promise<T> {
    const reply = await this.get(port, path);
    if (reply.status !== 200) throw new Error(`GET 127.0.0.1:${port}${path} answered ${reply.status}: ${reply.body.slice(0, 300)}`);
    return JSON.parse(reply.body) as T;
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}

export interface LoadResult {
  sent: number;
  /** When the last request was sent (epoch ms). */
  lastSentAt: number;
  ok: number;
  failures: string[];
  /** Replica (from the origin's JSON body) → responses served. */
  servedBy: Map<string, number>;
  /** GETs retried on the next edge port after a connection-level error (with `failover`). */
  failovers: string[];
}

/**
 * `concurrency` workers send GETs round the given edge ports until `stop()`,
 * each pausing `pauseMs` between requests, and never more than `maxRequests`
 * in all: a bounded load on a machine other jobs share.
 */
/**
 * With `failover`, a GET that fails at the connection level (refused or
 * reset before a response: the replica is being replaced) is tried once on
 * the next port, as a client-side balancer or a load balancer in front of the
 * published ports would do for an idempotent request; an HTTP error status is
 * never retried.
 */
export function startLoad(client: LoopbackClient, ports: number[], path: string, options: { concurrency: number; maxRequests: number; pauseMs: number; failover?: boolean }) {
  const result: LoadResult = { sent: 0, lastSentAt: 0, ok: 0, failures: [], servedBy: new Map(), failovers: [] };
  const getWithFailover = async (i: number): Promise<{ port: number; reply: Reply }> => {
    const port = ports[i % ports.length]!;
    try {
      return { port, reply: await client.get(port, path) };
    } catch (err) {
      if (!options.failover || ports.length < 2) throw err;
      const next = ports[(i + 1) % ports.length]!;
      result.failovers.push(`${port} → ${next}: ${(err as Error).message}`);
      return { port: next, reply: await client.get(next, path) };
    }
  };
  let stopped = false;
  const worker = async (w: number) => {
    for (let i = w; !stopped && result.sent < options.maxRequests; i++) {
      result.sent++;
      result.lastSentAt = Date.now();
      let port = ports[i % ports.length]!;
      try {
        const answer = await getWithFailover(i);
        port = answer.port;
        const reply = answer.reply;
        if (reply.status >= 200 && reply.status < 300) {
          result.ok++;
          const replica = replicaOf(reply);
          if (replica) result.servedBy.set(replica, (result.servedBy.get(replica) ?? 0) + 1);
        } else result.failures.push(`${port}: HTTP ${reply.status} ${reply.body.slice(0, 200).trim()}`);
      } catch (err) {
        result.failures.push(`${port}: ${(err as Error).message}`);
      }
      if (options.pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, options.pauseMs));
    }
  };
  const workers = Array.from({ length: options.concurrency }, (_, w) => worker(w));
  return {
    result,
    async stop(): Promise<LoadResult> {
      stopped = true;
      await Promise.all(workers);
      return result;
    },
  };
}

/** The replica that answered, as the demo origin reports it in its JSON body. */
export function replicaOf(reply: Reply): string | undefined {
  try {
    const body = JSON.parse(reply.body) as { replica?: unknown };
    return typeof body.replica === "string" ? body.replica : undefined;
  } catch {
    return undefined;
  }
}

/** Thrown by a probe when waiting longer cannot help (e.g. a container crashed): stops `waitFor` at once. */
export class GiveUpError extends Error {}

/**
 * Polls `probe` until it returns a value (not undefined) or the deadline
 * passes; then throws with the last state (what the probe last threw).
 */
export async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      if (err instanceof GiveUpError) throw new Error(`gave up waiting for ${what}: ${err.message}`);
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message ?? String(last)}` : ""}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
