/** Issue #11: purges name entries the way the proxy keys them, from the one normalised request identity. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { planPurge } from "../../src/proxy/cache/key.js";

test("a purge URL names the normal form the proxy keys on (dot segments, escapes, default port)", () => {
  const plan = planPurge({ url: "https://Shop.test:443/a/./b/../%63.js?x=%7e" });
  assert.deepEqual(plan.kind === "urls" && plan.primaryKeys.sort(), ["https://shop.test/a/c.js?x=~"]);
  const ported = planPurge({ url: "http://shop.test:8080/p" });
  assert.deepEqual(ported.kind === "urls" && ported.primaryKeys, ["http://shop.test:8080/p"], "a non-default port is part of the key");
  const both = planPurge({ url: "shop.test:80/p" });
  assert.deepEqual(both.kind === "urls" && both.primaryKeys.sort(), ["http://shop.test/p", "https://shop.test:80/p"], "a port is default for one scheme only");
  const prefix = planPurge({ prefix: "shop.test/static//x/" });
  assert.deepEqual(prefix.kind === "prefix" && prefix.prefixes.sort(), ["http://shop.test/static/x/", "https://shop.test/static/x/"]);
});
