import assert from "node:assert/strict";
import http from "node:http";
import net from "node:net";
import { test } from "node:test";
import { WebSocket, WebSocketServer } from "ws";
import type { TcpListenerConfig } from "../../src/plan/proxy-config.js";
import { cluster, config, get, raw, route, withProxy } from "./support.js";

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return (server.address() as net.AddressInfo).port;
}

async function close(server: net.Server): Promise<void> {
  await new Promise<void>((r) => server.close(() => r()));
}

test("WebSocket echo through the proxy", async () => {
  const server = http.createServer((_req, res) => res.end("plain"));
  const wss = new WebSocketServer({ server });
  const upgradeHeaders: http.IncomingHttpHeaders[] = [];
  wss.on("headers", (headers) => headers.push("X-Request-Id: backend-made-this-up"));
  wss.on("connection", (socket, req) => {
    upgradeHeaders.push(req.headers);
    socket.on("message", (data) => socket.send(`echo:${String(data)}`));
  });
  const port = await listen(server);
  try {
    await withProxy(config([cluster("ws", [{ port }])], [route("r", "ws")]), async (proxy) => {
      const client = new WebSocket(`ws://127.0.0.1:${proxy.ports["web"]}/chat`);
      const replies: string[] = [];
      let handshake: http.IncomingMessage | undefined;
      client.on("upgrade", (res) => (handshake = res));
      await new Promise<void>((resolve, reject) => {
        client.on("open", () => {
          client.send("hello");
          client.send("world");
        });
        client.on("message", (d) => {
          replies.push(String(d));
          if (replies.length === 2) resolve();
        });
        client.on("error", reject);
      });
      client.close();
      assert.deepEqual(replies, ["echo:hello", "echo:world"]);
      assert.equal(upgradeHeaders[0]?.["x-forwarded-for"], "127.0.0.1", "the handshake carries forwarding headers");
      assert.ok(upgradeHeaders[0]?.["x-request-id"]);
      assert.equal(handshake?.statusCode, 101);
      assert.equal(handshake?.headers["via"], "1.1 test", "the 101 carries the proxy's Via");
      assert.equal(handshake?.headers["x-request-id"], upgradeHeaders[0]?.["x-request-id"], "and the request's id, not one the backend made up");
    });
  } finally {
    for (const c of wss.clients) c.terminate();
    wss.close();
    server.closeAllConnections();
    await close(server);
  }
});

test("an h2c upgrade is refused, not tunnelled", async () => {
  const server = http.createServer((_req, res) => res.end("plain"));
  let upgrades = 0;
  server.on("upgrade", (_req, socket) => {
    upgrades++;
    socket.destroy();
  });
  const port = await listen(server);
  try {
    await withProxy(config([cluster("f", [{ port }])], [route("r", "f")]), async (proxy) => {
      const r = await raw(proxy.ports["web"]!, "GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n");
      assert.match(r.text, /^HTTP\/1.1 400/);
      assert.equal(upgrades, 0);
    });
  } finally {
    server.closeAllConnections();
    await close(server);
  }
});

function tcpListener(fleet: string, algorithm: "round-robin" | "consistent-hash" = "round-robin"): TcpListenerConfig {
  return { name: "tcp", protocol: "tcp", host: "127.0.0.1", port: 0, cluster: fleet, balancer: { algorithm, ...(algorithm === "consistent-hash" ? { hashKey: "client-ip" } : {}) }, timeouts: { connectMs: 500, idleMs: 2000 } };
}

/** Sends `text`, half-closes, and returns everything received until the server closes. */
function tcpRoundTrip(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, "127.0.0.1");
    let got = "";
    s.on("data", (d) => (got += d.toString()));
    s.on("end", () => resolve(got));
    s.on("error", reject);
    s.on("connect", () => s.end(text));
  });
}

test("TCP echo through a TCP listener, balanced and failing over a dead backend", async () => {
  const servers = ["e0", "e1"].map((name) =>
    net.createServer({ allowHalfOpen: true }, (socket) => {
      let data = "";
      socket.on("data", (d) => (data += d.toString()));
      // Answers after the client's half-close: the proxy must carry FIN both ways.
      socket.on("end", () => socket.end(`${name}:${data}`));
    }),
  );
  const ports = await Promise.all(servers.map(listen));
  const dead = net.createServer();
  const deadPort = await listen(dead);
  await close(dead);
  try {
    const cfg = config([cluster("echo", [{ port: deadPort }, ...ports.map((port) => ({ port }))])], [], { listeners: [tcpListener("echo")] });
    await withProxy(cfg, async (proxy) => {
      const port = proxy.ports["tcp"]!;
      const answers = await Promise.all([1, 2, 3, 4, 5, 6].map((i) => tcpRoundTrip(port, `ping-${i}`)));
      for (const [i, a] of answers.entries()) assert.match(a, new RegExp(`^e[01]:ping-${i + 1}$`));
      assert.deepEqual(new Set(answers.map((a) => a.slice(0, 2))), new Set(["e0", "e1"]), "connections spread over both live backends");
      const big = "x".repeat(200_000);
      const echoed = await tcpRoundTrip(port, big);
      assert.match(echoed, /^e[01]:/);
      assert.equal(echoed.slice(3), big, "a large payload streams through intact");
    });
  } finally {
    await Promise.all(servers.map(close));
  }
});

/** Sends `text` and resolves with what came back once the connection ends, however it ends. */
function tcpAttempt(port: number, text: string): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(port, "127.0.0.1");
    let got = "";
    s.on("data", (d) => (got += d.toString()));
    s.on("error", () => {});
    s.on("close", () => resolve(got));
    s.on("connect", () => s.end(text));
  });
}

test("TCP connect retries stop when the fleet's retry budget is exhausted, and say so in the budget metric", async () => {
  const echo = net.createServer({ allowHalfOpen: true }, (socket) => {
    let data = "";
    socket.on("data", (d) => (data += d.toString()));
    socket.on("end", () => socket.end(`echo:${data}`));
  });
  const echoPort = await listen(echo);
  const dead = net.createServer();
  const deadPort = await listen(dead);
  await close(dead);
  try {
    const noBudget = { ratio: 0, minPerSecond: 0 };
    const cfg = config([cluster("echo", [{ port: deadPort }, { port: echoPort }])], [], { listeners: [tcpListener("echo")], retryBudget: noBudget });
    await withProxy(cfg, async (proxy) => {
      const answers: string[] = [];
      for (let i = 0; i < 4; i++) answers.push(await tcpAttempt(proxy.ports["tcp"]!, `ping-${i}`));
      assert.equal(answers.filter((a) => a.startsWith("echo:")).length, 2, JSON.stringify(answers));
      assert.equal(answers.filter((a) => a === "").length, 2, "connections round-robin sent to the dead backend were closed, not retried: no budget");
      const metrics = (await get(proxy.ports["admin"]!, "/metrics")).body;
      assert.match(metrics, /edgeform_retry_budget_exhausted_total\{route="tcp",fleet="echo"\} 2/);
    });
  } finally {
    await close(echo);
  }
});
