/**
 * `redirectToHttps`: an http listener answers every request with a 308 to
 * the same host and target on the https listener's port. 308 (RFC 9110
 * §15.4.9) keeps the method and body, unlike 301/302.
 */
import type { ProxyRequest, ProxyResponse } from "../http1/index.js";

/** A host we are willing to put in a Location header: a DNS name, IPv4 or a bracketed IPv6 literal. */
const HOST = /^([a-z0-9-]+(\.[a-z0-9-]+)*\.?|\[[0-9a-f:.]+\])$/i;

/** The https URL for a request, or undefined when its host cannot be trusted into a Location header. */
export function httpsLocation(target: string, hostHeader: string | undefined, port: number): string | undefined {
  let host = hostHeader;
  let path = target;
  if (!target.startsWith("/")) {
    // Absolute-form (RFC 9112 §3.2.2): its authority replaces Host.
    try {
      const u = new URL(target);
      if (u.protocol !== "http:" && u.protocol !== "https:") return undefined;
      host = u.host;
      path = `${u.pathname}${u.search}`;
    } catch {
      return undefined;
    }
  }
  if (host === undefined) return undefined;
  const name = host.replace(/:[0-9]+$/, "");
  if (!HOST.test(name)) return undefined;
  return `https://${name.toLowerCase()}${port === 443 ? "" : `:${port}`}${path}`;
}

export function sendHttpsRedirect(req: ProxyRequest, res: ProxyResponse, port: number, via: string, requestId: string): number {
  const location = httpsLocation(req.url, singleHost(req.rawHeaders), port);
  if (location === undefined) {
    const body = "400 Bad Request: no valid Host to redirect to\n";
    res.writeHead(400, ["content-type", "text/plain; charset=utf-8", "content-length", String(Buffer.byteLength(body)), "via", via, "x-request-id", requestId]);
    res.end(body);
    return 400;
  }
  const body = `308 Permanent Redirect: ${location}\n`;
  res.writeHead(308, ["location", location, "content-type", "text/plain; charset=utf-8", "content-length", String(Buffer.byteLength(body)), "cache-control", "no-store", "via", via, "x-request-id", requestId]);
  res.end(body);
  return 308;
}

/** The Host header's value; undefined when there is none or more than one. */
function singleHost(raw: readonly string[]): string | undefined {
  let host: string | undefined;
  let count = 0;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.toLowerCase() === "host") {
      host = raw[i + 1];
      count++;
    }
  }
  return count === 1 ? host : undefined;
}
