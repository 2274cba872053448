import assert from "node:assert/strict";
import { test } from "node:test";
import { cluster, config, get, raw, route, startBackend, withProxy } from "./support.js";

test("routes by exact host, wildcard host, path prefix and header, first match wins", async () => {
  const names = ["api", "wild", "static", "canary", "default"];
  const backends = await Promise.all(names.map((n) => startBackend(n)));
  try {
    const cfg = config(
      backends.map((b) => cluster(b.name, [b])),
      [
        route("api", "api", { match: { host: "api.example.com", pathPrefix: "/" } }),
        route("canary", "canary", { match: { pathPrefix: "/app", headers: { "x-canary": "1" } } }),
        route("wild", "wild", { match: { host: "*.example.com", pathPrefix: "/" } }),
        route("static", "static", { match: { pathPrefix: "/static/" } }),
        route("default", "default"),
      ],
    );
    await withProxy(cfg, async (proxy) => {
      const port = proxy.ports["web"]!;
      const at = async (host: string, path: string, headers: Record<string, string> = {}) => (await get(port, path, { headers: { host, ...headers } })).body;
      assert.equal(await at("api.example.com", "/static/x"), "api", "exact host beats a later path route");
      assert.equal(await at("API.Example.com:8080", "/"), "api", "host match ignores case and port");
      assert.equal(await at("shop.example.com", "/"), "wild", "wildcard matches a subdomain");
      assert.equal(await at("example.com", "/"), "default", "wildcard does not match the bare domain");
      assert.equal(await at("other.test", "/static/a.css"), "static");
      assert.equal(await at("other.test", "/staticx"), "default", "prefix /static/ does not match /staticx");
      assert.equal(await at("other.test", "/app/1", { "x-canary": "1" }), "canary", "header match");
      assert.equal(await at("other.test", "/app/1", { "x-canary": "2" }), "default", "header value must match exactly");
      assert.equal(await at("shop.example.com", "/app", { "x-canary": "1" }), "canary", "earlier header route wins over later wildcard");
    });
  } finally {
    await Promise.all(backends.map((b) => b.close()));
  }
});

test("dot segments and repeated slashes are resolved once: the route and the origin see the same path", async () => {
  const admin = await startBackend("admin");
  const pub = await startBackend("public");
  try {
    const cfg = config([cluster("admin", [admin]), cluster("public", [pub])], [route("admin", "admin", { match: { pathPrefix: "/admin" } }), route("public", "public")]);
    await withProxy(cfg, async (proxy) => {
      const r = await raw(proxy.ports["web"]!, "GET /public/../admin/x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
      assert.match(r.text, /^HTTP\/1.1 200/);
      assert.match(r.text, /\r\n\r\n[\s\S]*\badmin\b/);
      assert.equal(admin.seen[0]?.url, "/admin/x");
      const encoded = await raw(proxy.ports["web"]!, "GET /public/%2e%2e/admin HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
      assert.match(encoded.text, /\r\n\r\n[\s\S]*\badmin\b/, "percent-encoded dots are dot segments too");
      for (const target of ["//admin/x", "/public//..//admin", "/.//admin"]) {
        const merged = await raw(proxy.ports["web"]!, `GET ${target} HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n`);
        assert.match(merged.text, /\r\n\r\n[\s\S]*\badmin\b/, `${target} is matched as /admin (repeated slashes merged)`);
      }
      assert.equal(admin.seen.at(-1)?.url, "/admin", "the origin gets the normalised target that was routed");
    });
  } finally {
    await admin.close();
    await pub.close();
  }
});

test("no matching route answers 404 from the proxy; absolute-form targets route by their authority", async () => {
  const b = await startBackend("only");
  try {
    const cfg = config([cluster("only", [b])], [route("only", "only", { match: { host: "site.test", pathPrefix: "/" } })]);
    await withProxy(cfg, async (proxy) => {
      const port = proxy.ports["web"]!;
      const miss = await get(port, "/", { headers: { host: "elsewhere.test" } });
      assert.equal(miss.status, 404);
      assert.match(miss.body, /no route matches host "elsewhere.test"/);
      assert.equal(b.seen.length, 0);
      const abs = await raw(port, "GET http://site.test/p?q=1 HTTP/1.1\r\nHost: ignored.test\r\nConnection: close\r\n\r\n");
      assert.match(abs.text, /^HTTP\/1.1 200/);
      assert.equal(b.seen[0]?.url, "/p?q=1", "sent upstream in origin-form");
      assert.equal(b.seen[0]?.headers.host, "site.test", "Host replaced by the target's authority (RFC 9112 §3.2.2)");
    });
  } finally {
    await b.close();
  }
});
