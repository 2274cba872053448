/**
 * The cache inside real proxy processes: two proxies sharing one
 * redis-server, as two replicas of the edge tier would.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { Pool } from "undici";
import { startRedis, type TestRedis } from "../support/redis.js";
import { eventually } from "./helpers.js";
import { ScriptedOrigin } from "./origin.js";
import { proxyConfig, startProxyProcess, type ProxyProcess } from "./proxy-process.js";

interface Reply {
  status: number;
  body: string;
  cacheStatus: string;
}

describe("cache in two proxy processes sharing Redis", () => {
  let redis: TestRedis;
  let origin: ScriptedOrigin;
  let a: ProxyProcess;
  let b: ProxyProcess;
  const pools = new Map<number, Pool>();
  const token = randomBytes(16).toString("hex");

  const send = async (p: ProxyProcess, path: string): Promise<Reply> => {
    let pool = pools.get(p.web);
    if (!pool) pools.set(p.web, (pool = new Pool(`http://127.0.0.1:${p.web}`, { connections: 8 })));
    const res = await pool.request({ path, method: "GET", headers: { host: "shop.test" } });
    return { status: res.statusCode, body: await res.body.text(), cacheStatus: String(res.headers["cache-status"] ?? "") };
  };

  const admin = async (p: ProxyProcess, path: string, body?: unknown): Promise<{ status: number; text: string }> => {
    const pool = new Pool(`http://127.0.0.1:${p.admin}`);
    try {
      const res = await pool.request({
        path, method: body === undefined ? "GET" : "POST",
        headers: body === undefined ? {} : { authorization: `Bearer ${token}`, "content-type": "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: res.statusCode, text: await res.body.text() };
    } finally {
      await pool.close();
    }
  };

  const redisUp = async (p: ProxyProcess): Promise<string | undefined> =>
    /edgeform_cache_redis_up\{cache="edge"\} (\d)/.exec((await admin(p, "/metrics")).text)?.[1];

  before(async () => {
    redis = await startRedis();
    origin = await ScriptedOrigin.start();
    const config = proxyConfig(origin.port, {
      name: "edge", memory: { maxBytes: 8 * 1024 * 1024, maxObjectBytes: 1024 * 1024 },
      redis: { url: redis.url, timeoutMs: 200 }, heuristicFreshness: false, defaultStaleIfErrorMs: 0,
    });
    [a, b] = await Promise.all([startProxyProcess(config, token), startProxyProcess(config, token)]);
    await eventually(async () => (await redisUp(a)) === "1" && (await redisUp(b)) === "1", 10_000, "both proxies connected to Redis");
  });

  after(async () => {
    await Promise.all([...pools.values()].map((p) => p.close()));
    await Promise.all([a?.stop(), b?.stop()]);
    await origin?.close();
    await redis?.stop();
  });

  test("a response cached by proxy A is an L2 hit on proxy B", async () => {
    origin.script("/doc", { headers: { "cache-control": "max-age=60" }, body: "shared doc" });
    const first = await send(a, "/doc");
    assert.equal(first.body, "shared doc");
    assert.match(first.cacheStatus, /edgeform; fwd=miss; stored/);
    await eventually(async () => (await redis.command("EXISTS", "ef:{edge}:e:http://shop.test/doc")) === ":1\r\n", 3000, "A stored /doc in Redis");
    const fromB = await send(b, "/doc");
    assert.equal(fromB.body, "shared doc");
    assert.match(fromB.cacheStatus, /edgeform; hit; ttl=\d+; detail=l2/);
    assert.match((await send(b, "/doc")).cacheStatus, /edgeform; hit; ttl=\d+$/, "then from B's memory");
    assert.equal(origin.count("/doc"), 1);
  });

  test("a purge on A's admin endpoint removes the response from both proxies", async () => {
    origin.script("/purge-me", (_r, n) => ({ headers: { "cache-control": "max-age=60" }, body: `version ${n}` }));
    await send(a, "/purge-me");
    await eventually(async () => (await redis.command("EXISTS", "ef:{edge}:e:http://shop.test/purge-me")) === ":1\r\n", 3000, "stored in Redis");
    assert.match((await send(b, "/purge-me")).cacheStatus, /hit/);
    assert.match((await send(a, "/purge-me")).cacheStatus, /hit/);
    const res = await admin(a, "/purge", { url: "http://shop.test/purge-me" });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(JSON.parse(res.text), { purged: 1 });
    assert.equal(await redis.command("EXISTS", "ef:{edge}:e:http://shop.test/purge-me"), ":0\r\n");
    await eventually(async () => (await send(b, "/purge-me")).body === "version 2", 3000, "B no longer serves the purged response");
    await eventually(async () => (await redis.command("EXISTS", "ef:{edge}:e:http://shop.test/purge-me")) === ":1\r\n", 3000, "B stored the new version");
    assert.match((await send(a, "/purge-me")).cacheStatus, /hit/, "A now serves the new version B stored");
    assert.equal((await send(a, "/purge-me")).body, "version 2");
  });

  test("purges need the admin bearer token", async () => {
    const pool = new Pool(`http://127.0.0.1:${a.admin}`);
    try {
      const res = await pool.request({ path: "/purge", method: "POST", body: JSON.stringify({ url: "http://shop.test/doc" }) });
      await res.body.text();
      assert.equal(res.statusCode, 401);
    } finally {
      await pool.close();
    }
  });

  test("redis-server killed under load: zero client errors, and both proxies recover", async () => {
    origin.script("/load", (req) => ({ headers: { "cache-control": "max-age=300" }, body: `load ${req.url}` }));
    let ok = 0;
    let okWhileDown = 0;
    let down = false;
    const failures: string[] = [];
    let stop = false;
    const worker = async (w: number) => {
      for (let i = 0; !stop; i++) {
        const p = (i + w) % 2 === 0 ? a : b;
        const path = `/load?k=${(i * 11 + w * 17) % 300}`;
        try {
          const r = await send(p, path);
          if (r.status === 200 && r.body === `load ${path}`) {
            ok++;
            if (down) okWhileDown++;
          }
          else failures.push(`${r.status} ${r.cacheStatus}`);
        } catch (err) {
          failures.push(String(err));
        }
      }
    };
    const load = Promise.all([0, 1, 2, 3].map(worker));
    await new Promise((r) => setTimeout(r, 500));
    await redis.kill();
    down = true;
    await eventually(async () => (await redisUp(a)) === "0", 5000, "A reports redis_up 0");
    await new Promise((r) => setTimeout(r, 500));
    down = false;
    await redis.restart();
    await eventually(async () => (await redisUp(a)) === "1" && (await redisUp(b)) === "1", 15_000, "both report redis_up 1 again");
    await new Promise((r) => setTimeout(r, 300));
    stop = true;
    await load;
    assert.deepEqual(failures, [], "no client saw an error");
    assert.ok(okWhileDown > 20, `${okWhileDown} requests answered while Redis was down (${ok} in all)`);
    // The shared tier works again after the restart (it came back empty). Each try uses a new
    // URL: a late timeout on a loaded machine may trip the tier briefly, skipping that write.
    origin.script("/after-restart", { headers: { "cache-control": "max-age=60" }, body: "fresh" });
    let path = "";
    let attempt = 0;
    await eventually(async () => {
      path = `/after-restart?try=${++attempt}`;
      await send(a, path);
      await new Promise((r) => setTimeout(r, 100));
      return (await redis.command("EXISTS", `ef:{edge}:e:http://shop.test${path}`)) === ":1\r\n";
    }, 8000, "A writes to Redis again");
    assert.match((await send(b, path)).cacheStatus, /detail=l2/);
  });
});
