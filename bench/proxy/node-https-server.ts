/**
 * The ceiling peer for bench/proxy/https.sh: a bare node:https server that
 * answers every request itself ("ok"), with the certificate the other peers
 * use. Whatever it cannot reach, no proxy written on node:tls can either: a
 * new-handshake rate far below nginx's here is Node's TLS socket setup, not
 * the proxy's.
 *
 *   node dist/bench/proxy/node-https-server.js <listen-port> <cert.pem> <key.pem>
 */
import { readFileSync } from "node:fs";
import https from "node:https";

const [port, certFile, keyFile] = process.argv.slice(2);
if (!port || !certFile || !keyFile) {
  process.stderr.write("usage: node-https-server.js <listen-port> <cert.pem> <key.pem>\n");
  process.exit(2);
}
const body = Buffer.from("ok\n");
https
  .createServer({ cert: readFileSync(certFile), key: readFileSync(keyFile), keepAliveTimeout: 60_000 }, (_req, res) => {
    res.writeHead(200, { "content-type": "text/plain", "content-length": body.length });
    res.end(body);
  })
  .listen(Number(port), "127.0.0.1", () => process.stdout.write(`node:https listening on ${port}\n`));
