/**
 * A scriptable origin for cache tests: a Node http server on 127.0.0.1 whose
 * responses each test scripts per path (status, headers, body, delay,
 * streamed chunks, or a dropped connection), recording every request.
 */
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface ScriptedResponse {
  status?: number;
  headers?: Record<string, string | string[]>;
  body?: string | Buffer;
  /** Wait before sending headers. */
  delayMs?: number;
  /** Send the body in this many chunks without Content-Length (chunked encoding). */
  chunks?: number;
  /** Close the connection without answering (a network failure). */
  fail?: boolean;
}

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

export type Script = ScriptedResponse | ((req: RecordedRequest, n: number) => ScriptedResponse);

export class ScriptedOrigin {
  readonly requests: RecordedRequest[] = [];
  readonly #scripts = new Map<string, Script>();
  readonly #server: Server;
  readonly #now: () => number;
  #port = 0;

  private constructor(now: () => number) {
    this.#now = now;
    this.#server = createServer((req, res) => {
      const rec: RecordedRequest = { method: req.method ?? "GET", url: req.url ?? "/", headers: req.headers };
      this.requests.push(rec);
      const path = rec.url.split("?")[0]!;
      const script = this.#scripts.get(rec.url) ?? this.#scripts.get(path);
      const n = this.requests.filter((r) => r.url === rec.url).length;
      const spec: ScriptedResponse = typeof script === "function" ? script(rec, n) : script ?? { status: 404, headers: { "cache-control": "no-store" }, body: "not scripted" };
      req.resume();
      const send = () => {
        if (spec.fail) {
          req.socket.destroy();
          return;
        }
        const body = Buffer.isBuffer(spec.body) ? spec.body : Buffer.from(spec.body ?? "");
        // Dates follow the test's clock, so ages are what the test says they are.
        const headers: Record<string, string | string[]> = { date: new Date(this.#now()).toUTCString(), ...spec.headers };
        if (spec.chunks) {
          res.writeHead(spec.status ?? 200, headers);
          const size = Math.ceil(body.length / spec.chunks);
          let i = 0;
          const next = () => {
            if (i >= body.length) {
              res.end();
              return;
            }
            const ok = res.write(body.subarray(i, i + size));
            i += size;
            if (ok) setImmediate(next);
            else res.once("drain", next);
          };
          next();
          return;
        }
        if (rec.method !== "HEAD" || headers["content-length"] === undefined) headers["content-length"] = String(body.length);
        res.writeHead(spec.status ?? 200, headers);
        res.end(rec.method === "HEAD" ? undefined : body);
      };
      if (spec.delayMs) setTimeout(send, spec.delayMs);
      else send();
    });
    this.#server.keepAliveTimeout = 1000;
  }

  static async start(now: () => number = Date.now): Promise<ScriptedOrigin> {
    const o = new ScriptedOrigin(now);
    await new Promise<void>((resolve) => o.#server.listen(0, "127.0.0.1", resolve));
    o.#port = (o.#server.address() as AddressInfo).port;
    return o;
  }

  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  get port(): number {
    return this.#port;
  }

  /** Scripts `path` (or an exact `path?query`). */
  script(path: string, script: Script): void {
    this.#scripts.set(path, script);
  }

  count(path: string): number {
    return this.requests.filter((r) => r.url === path || r.url.split("?")[0] === path).length;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
