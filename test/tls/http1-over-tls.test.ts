/**
 * The strict HTTP/1.1 server keeps every protection on TLS connections: the
 * smuggling probes, the header size limit and the slowloris deadline behave
 * exactly as on plain listeners, and nothing reaches the backend.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import tls from "node:tls";
import type { ProxyRuntimeConfig } from "../../src/plan/proxy-config.js";
import { dripHeaders, probes } from "../proxy/smuggling-probes.js";
import { cluster, config, route, sleep, startBackend, withProxy, type Backend } from "../proxy/support.js";
import { CertDir, listenerTls, rawTls } from "./support.js";

let certs: CertDir;
let site: Awaited<ReturnType<CertDir["issue"]>>;

before(async () => {
  certs = await CertDir.create();
  site = await certs.issue("site", { names: ["localhost"] });
});
after(() => certs?.remove());

function tlsConfig(b: Backend, limits?: ProxyRuntimeConfig["limits"]): ProxyRuntimeConfig {
  return config([cluster("f", [b])], [route("r", "f", { listeners: ["websecure"] })], {
    listeners: [{ name: "websecure", protocol: "http", host: "127.0.0.1", port: 0, tls: listenerTls([site]) }],
    ...(limits ? { limits } : {}),
  });
}

async function withTlsProxy(fn: (b: Backend, port: number) => Promise<void>, limits?: ProxyRuntimeConfig["limits"]): Promise<void> {
  const b = await startBackend("b");
  try {
    await withProxy(tlsConfig(b, limits), (proxy) => fn(b, proxy.ports["websecure"]!));
  } finally {
    await b.close();
  }
}

test("a plain request over TLS is served", async () => {
  await withTlsProxy(async (b, port) => {
    const r = await rawTls(port, "GET /ok HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", certs.ca.certPem);
    assert.match(r.text, /^HTTP\/1.1 200/);
    assert.equal(b.seen.length, 1);
  });
});

for (const probe of probes) {
  test(`over TLS, smuggling probe rejected without forwarding: ${probe.name}`, async () => {
    await withTlsProxy(async (b, port) => {
      const r = await rawTls(port, probe.bytes, certs.ca.certPem);
      assert.match(r.text, probe.status);
      assert.equal(r.closed, true, "the connection is closed after a refused request");
      await sleep(100);
      assert.equal(b.seen.length, 0, "the backend saw nothing");
    });
  });
}

test("over TLS, headers larger than maxHeaderBytes get 431", async () => {
  await withTlsProxy(async (b, port) => {
    const r = await rawTls(port, `GET / HTTP/1.1\r\nHost: a\r\nX-Big: ${"x".repeat(20_000)}\r\n\r\n`, certs.ca.certPem);
    assert.match(r.text, /^HTTP\/1.1 431/);
    assert.equal(b.seen.length, 0);
  });
});

test("over TLS, a slowloris client is cut off by the header timeout", async () => {
  await withTlsProxy(
    async (b, port) => {
      const socket = await new Promise<tls.TLSSocket>((resolve, reject) => {
        const s = tls.connect({ host: "127.0.0.1", port, ca: certs.ca.certPem, servername: "localhost" }, () => resolve(s));
        s.once("error", reject);
      });
      const { closedAfter, received } = await dripHeaders(socket);
      assert.ok(closedAfter > 0, "the proxy closed the connection");
      assert.ok(closedAfter < 2500, `closed after ${closedAfter} ms (header timeout 500 ms)`);
      assert.match(received, /^HTTP\/1.1 408/);
      assert.equal(b.seen.length, 0);
    },
    { headerTimeoutMs: 500, requestTimeoutMs: 10_000, maxHeaderBytes: 16 * 1024, keepAliveTimeoutMs: 5000 },
  );
});

test("the node:http fallback client server keeps the same protections over TLS", async () => {
  const before = process.env["EDGEFORM_CLIENT_SERVER"];
  process.env["EDGEFORM_CLIENT_SERVER"] = "node";
  try {
    await withTlsProxy(async (b, port) => {
      const ok = await rawTls(port, "GET /ok HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", certs.ca.certPem);
      assert.match(ok.text, /^HTTP\/1.1 200/);
      for (const probe of probes) {
        const r = await rawTls(port, probe.bytes, certs.ca.certPem);
        assert.match(r.text, probe.status, probe.name);
      }
      await sleep(100);
      assert.deepEqual(b.seen.map((s) => s.url), ["/ok"], "no probe reached the backend");
    });
  } finally {
    if (before === undefined) delete process.env["EDGEFORM_CLIENT_SERVER"];
    else process.env["EDGEFORM_CLIENT_SERVER"] = before;
  }
});
