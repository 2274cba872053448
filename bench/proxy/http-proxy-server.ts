/**
 * The http-proxy (node-http-proxy) peer for bench/proxy/run.sh, the common
 * way to write a Node.js reverse proxy. As usually deployed
 * (createProxyServer({ target })), http-proxy opens a new upstream
 * connection per request (its default agent is `false`); with `keepalive`
 * it gets a keep-alive agent, its best case.
 *
 *   node dist/bench/proxy/http-proxy-server.js <listen-port> <target-url> [keepalive]
 */
import http from "node:http";
import { createRequire } from "node:module";

interface HttpProxy {
  web(req: http.IncomingMessage, res: http.ServerResponse): void;
  on(event: "error", listener: (err: Error, req: http.IncomingMessage, res: http.ServerResponse) => void): void;
}
const { createProxyServer } = createRequire(import.meta.url)("http-proxy") as { createProxyServer(options: object): HttpProxy };

const [port, target, mode] = process.argv.slice(2);
if (!port || !target) {
  process.stderr.write("usage: http-proxy-server.js <listen-port> <target-url> [keepalive]\n");
  process.exit(2);
}
const proxy = createProxyServer(mode === "keepalive" ? { target, agent: new http.Agent({ keepAlive: true, maxSockets: 256 }) } : { target });
proxy.on("error", (_err, _req, res) => {
  if (!res.headersSent) res.writeHead(502);
  res.end();
});
http.createServer((req, res) => proxy.web(req, res)).listen(Number(port), "127.0.0.1", () => {
  process.stdout.write(`http-proxy listening on ${port} → ${target}\n`);
});
process.on("SIGTERM", () => process.exit(0));
