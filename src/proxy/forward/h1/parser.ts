/**
 * Node's own llhttp binding (the parser behind http.request and the http
 * server), used to parse backend responses. It is exposed by the
 * `_http_common` module rather than a documented API, so this file is the
 * only place that touches it, checks it looks as expected, and reports
 * whether it is usable; without it the proxy falls back to undici.
 */
import { createRequire } from "node:module";

/** The binding's callback signatures (see lib/_http_common.js in Node). */
export interface NativeParser {
  initialize(type: number, resource: object, maxHeaderSize: number, lenient: number): void;
  execute(data: Buffer): number | Error;
  finish(): number | Error | undefined;
  close(): void;
  [index: number]: unknown;
  /** Our connection (set by H1Connection). */
  owner: unknown;
}

interface ParserModule {
  HTTPParser: {
    new (): NativeParser;
    RESPONSE: number;
    kOnHeaders: number;
    kOnHeadersComplete: number;
    kOnBody: number;
    kOnMessageComplete: number;
    kOnExecute: number;
    kLenientNone: number;
  };
}

function load(): ParserModule["HTTPParser"] | undefined {
  try {
    const mod = createRequire(import.meta.url)("_http_common") as Partial<ParserModule>;
    const P = mod.HTTPParser;
    if (typeof P !== "function" || typeof P.RESPONSE !== "number" || typeof P.kOnHeadersComplete !== "number" || typeof P.kOnBody !== "number" || typeof P.kOnMessageComplete !== "number") return undefined;
    const probe = new P();
    if (typeof probe.initialize !== "function" || typeof probe.execute !== "function" || typeof probe.finish !== "function") return undefined;
    return P;
  } catch {
    return undefined;
  }
}

export const HTTPParser = load();
