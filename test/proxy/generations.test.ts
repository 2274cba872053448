/**
 * A config generation owns the proxy's identity: a reload that renames the
 * topology changes Via for requests that start after it, never for requests
 * still in flight on the old generation.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { cluster, config, get, raw, route, sleep, startBackend, withProxy } from "./support.js";

test("a reload's new Via applies to new requests; in-flight ones keep their generation's", async () => {
  const backend = await startBackend("slow", (req, res) => setTimeout(() => res.end(String(req.headers["via"])), req.url === "/slow" ? 400 : 0));
  try {
    const cfg = config([cluster("f", [backend])], [route("r", "f")]);
    await withProxy(cfg, async (proxy) => {
      const port = proxy.ports["web"]!;
      const inFlight = get(port, "/slow");
      await sleep(100);
      await proxy.reload({ ...cfg, name: "renamed" });
      const after = await get(port, "/fast");
      const before = await inFlight;
      assert.equal(before.body, "1.1 test", "the backend saw the old generation's Via");
      assert.equal(before.headers["via"], "1.1 test", "the response written after the reload still carries the Via its request started with");
      assert.equal(after.body, "1.1 renamed");
      assert.equal(after.headers["via"], "1.1 renamed");
      const refused = await raw(port, "OPTIONS * HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
      assert.match(refused.text, /^HTTP\/1\.1 400 [^]*\r\nvia: 1\.1 renamed\r\n/i, "answers the proxy gives itself carry the current generation's Via too");
    });
  } finally {
    await backend.close();
  }
});
