/**
 * Upgrade requests go through the failover loop and are tunnelled only after
 * a 101 that accepts the requested protocol (issue #11, defect 4): a refusal
 * is relayed as an ordinary response and nothing the client sends afterwards
 * reaches the backend; the request metric records what the backend answered.
 */
import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";
import type { RetryConfig } from "../../src/plan/proxy-config.js";
import { cluster, config, get, route, sleep, withProxy } from "./support.js";

const UPGRADE = "GET /chat HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n";
/** What a client might send right behind its upgrade request, hoping it reaches the backend unparsed. */
const SMUGGLED = "GET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n";

/** How a raw backend answers an upgrade request head. */
type Answer = { kind: "refuse"; status: number } | { kind: "switch"; protocol: string };

interface RawBackend {
  port: number;
  /** Everything each connection received, in order. */
  received: string[];
  close(): Promise<void>;
}

/** A backend written on raw sockets: answers each request head as told; after a 101 it echoes with an "echo:" prefix. */
async function rawBackend(answer: Answer): Promise<RawBackend> {
  const received: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
    const index = received.push("") - 1;
    let switched = false;
    let pending = "";
    socket.on("data", (chunk: Buffer) => {
      received[index] += chunk.toString("latin1");
      if (switched) {
        socket.write(`echo:${chunk.toString("latin1")}`);
        return;
      }
      pending += chunk.toString("latin1");
      while (pending.includes("\r\n\r\n")) {
        pending = pending.slice(pending.indexOf("\r\n\r\n") + 4);
        if (answer.kind === "refuse") {
          socket.write(`HTTP/1.1 ${answer.status} Whatever\r\nContent-Length: 5\r\nX-Request-Id: backend-made-this-up\r\n\r\nnope!`);
        } else {
          switched = true;
          socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: ${answer.protocol}\r\n\r\n`);
          if (pending.length > 0) socket.write(`echo:${pending}`);
          return;
        }
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: (server.address() as net.AddressInfo).port,
    received,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** A port nothing listens on. */
async function deadPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

interface UpgradeResult {
  status: number;
  text: string;
  /** The proxy closed the connection. */
  closed: boolean;
}

/**
 * Sends an upgrade request (with `extra` bytes right behind it), waits for the
 * answer; after a 101 it sends "ping" through the tunnel, after anything else
 * it tries another request on the same connection. Stops after `waitMs`.
 */
function upgrade(port: number, extra = "", waitMs = 1500): Promise<UpgradeResult> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    let text = "";
    let closed = false;
    let followed = false;
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      resolve({ status, text, closed });
    };
    const timer = setTimeout(done, waitMs);
    socket.on("error", reject);
    socket.on("data", (chunk: Buffer) => {
      text += chunk.toString("latin1");
      if (text.startsWith("HTTP/1.1 101") && text.endsWith("echo:ping")) return done();
      if (followed || !text.includes("\r\n\r\n")) return;
      followed = true;
      if (text.startsWith("HTTP/1.1 101")) socket.write("ping");
      else if (!socket.writableEnded) socket.write(SMUGGLED, () => {});
    });
    socket.on("close", () => {
      closed = true;
      done();
    });
    socket.write(UPGRADE + extra);
  });
}

function requestsSeen(backend: RawBackend): string[] {
  return backend.received.join("").match(/^[A-Z]+ \S+ HTTP\/1\.1$/gm) ?? [];
}

for (const status of [404, 400, 200]) {
  test(`a backend answering ${status} to an upgrade: relayed as a response, no tunnel, nothing more reaches it`, async () => {
    const backend = await rawBackend({ kind: "refuse", status });
    try {
      await withProxy(config([cluster("f", [backend])], [route("r", "f")]), async (proxy) => {
        const r = await upgrade(proxy.ports["web"]!, SMUGGLED);
        assert.equal(r.status, status, r.text);
        assert.match(r.text, /\r\n\r\nnope!$/, "the body is relayed");
        assert.match(r.text, /\r\nconnection: close\r\n/i, "the connection ends with the refusal");
        assert.match(r.text, /\r\nvia: 1\.1 test\r\n/i);
        assert.doesNotMatch(r.text, /backend-made-this-up/, "the backend's request id is replaced by the proxy's");
        assert.ok(r.closed, "the proxy closed the connection after the response");
        await sleep(100);
        assert.deepEqual(requestsSeen(backend), ["GET /chat HTTP/1.1"], "the bytes sent behind the upgrade never reached the backend");
        const metrics = (await get(proxy.ports["admin"]!, "/metrics")).body;
        const cls = `${String(status)[0]}xx`;
        assert.match(metrics, new RegExp(`edgeform_http_requests_total\\{listener="web",route="r",fleet="f",backend="127\\.0\\.0\\.1:${backend.port}",status_class="${cls}"\\} 1`), "the metric records the backend's real answer");
        assert.doesNotMatch(metrics, /status_class="1xx"/, "no 101 is recorded for a refused upgrade");
      });
    } finally {
      await backend.close();
    }
  });
}

test("a 101 for a protocol the client did not ask for is a broken backend: 502, no tunnel", async () => {
  const backend = await rawBackend({ kind: "switch", protocol: "something-else" });
  try {
    await withProxy(config([cluster("f", [backend])], [route("r", "f")]), async (proxy) => {
      const r = await upgrade(proxy.ports["web"]!, SMUGGLED);
      assert.equal(r.status, 502, r.text);
      assert.doesNotMatch(r.text, /echo:/, "no byte came back through a tunnel");
      await sleep(100);
      assert.deepEqual(requestsSeen(backend), ["GET /chat HTTP/1.1"], "the client's later bytes never reached the backend");
    });
  } finally {
    await backend.close();
  }
});

test("a 101 that accepts the protocol opens the tunnel, and the metric records 101 then", async () => {
  const backend = await rawBackend({ kind: "switch", protocol: "WebSocket" });
  try {
    await withProxy(config([cluster("f", [backend])], [route("r", "f")]), async (proxy) => {
      const r = await upgrade(proxy.ports["web"]!);
      assert.equal(r.status, 101, r.text);
      assert.match(r.text, /\r\nupgrade: WebSocket\r\n/i);
      assert.match(r.text, /echo:ping$/, "bytes flow through the tunnel after the 101");
      const metrics = (await get(proxy.ports["admin"]!, "/metrics")).body;
      assert.match(metrics, new RegExp(`backend="127\\.0\\.0\\.1:${backend.port}",status_class="1xx"\\} 1`));
    });
  } finally {
    await backend.close();
  }
});

/** Statuses of `n` upgrades in a row through a route with `retry` over `backends` (round-robin). */
async function upgradeStatuses(ports: number[], retry: RetryConfig, n: number): Promise<number[]> {
  const statuses: number[] = [];
  await withProxy(config([cluster("f", ports.map((port) => ({ port })))], [route("r", "f", { retry })]), async (proxy) => {
    for (let i = 0; i < n; i++) statuses.push((await upgrade(proxy.ports["web"]!, "", 3000)).status);
  });
  return statuses;
}

test("upgrade retries follow the route's policy: a connect failure moves on only when `on` names it", async () => {
  const live = await rawBackend({ kind: "switch", protocol: "websocket" });
  const dead = await deadPort();
  try {
    const retried = await upgradeStatuses([dead, live.port], { attempts: 1, on: ["connect-failure"] }, 4);
    assert.deepEqual(retried, [101, 101, 101, 101], "every upgrade reached the live backend");
    const notRetried = await upgradeStatuses([dead, live.port], { attempts: 1, on: ["5xx"] }, 4);
    assert.ok(notRetried.every((s) => s === 101 || s === 502), String(notRetried));
    assert.equal(notRetried.filter((s) => s === 502).length, 2, "round-robin sends every other upgrade to the dead backend, and it is not retried");
    const noAttempts = await upgradeStatuses([dead, live.port], { attempts: 0, on: ["connect-failure"] }, 4);
    assert.equal(noAttempts.filter((s) => s === 502).length, 2, "attempts: 0 means no retry");
  } finally {
    await live.close();
  }
});

test("upgrade retries follow the route's policy: a retryable 5xx moves on to another backend", async () => {
  const live = await rawBackend({ kind: "switch", protocol: "websocket" });
  const failing = await rawBackend({ kind: "refuse", status: 503 });
  try {
    const retried = await upgradeStatuses([failing.port, live.port], { attempts: 1, on: ["5xx"] }, 4);
    assert.deepEqual(retried, [101, 101, 101, 101]);
    assert.equal(requestsSeen(failing).length, 2, "the failing backend was tried, then the request moved on");
    const relayed = await upgradeStatuses([failing.port, live.port], { attempts: 1, on: ["connect-failure"] }, 4);
    assert.equal(relayed.filter((s) => s === 503).length, 2, "without 5xx in `on`, the 503 is relayed");
  } finally {
    await live.close();
    await failing.close();
  }
});

test("upgrade retries stop when the fleet's retry budget is exhausted, and say so in the budget metric", async () => {
  const live = await rawBackend({ kind: "switch", protocol: "websocket" });
  const dead = await deadPort();
  try {
    const noBudget = { ratio: 0, minPerSecond: 0 };
    const cfg = config([cluster("f", [{ port: dead }, { port: live.port }])], [route("r", "f", { retry: { attempts: 1, on: ["connect-failure"] } })], { retryBudget: noBudget });
    await withProxy(cfg, async (proxy) => {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await upgrade(proxy.ports["web"]!, "", 3000)).status);
      assert.equal(statuses.filter((s) => s === 101).length, 2, String(statuses));
      assert.equal(statuses.filter((s) => s === 502).length, 2, "the upgrades round-robin sent to the dead backend were not retried: no budget");
      const metrics = (await get(proxy.ports["admin"]!, "/metrics")).body;
      assert.match(metrics, /edgeform_retry_budget_exhausted_total\{route="r",fleet="f"\} 2/);
    });
  } finally {
    await live.close();
  }
});
