/**
 * The proxy checks a listener's ACME settings when it loads its runtime
 * config, so a hand-edited or stale file fails at start or reload with what
 * is wrong, not at the first order.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Value } from "@sinclair/typebox/value";
import { ProxyRuntimeConfigSchema } from "../../src/plan/proxy-config-schema.js";
import { validateRuntimeConfig } from "../../src/proxy/runtime/config.js";
import type { AcmeConfig } from "../../src/plan/proxy-config.js";
import { cluster, config, route } from "../proxy/support.js";

function withAcme(acme: unknown) {
  return config([cluster("app", [{ port: 9 }])], [route("all", "app", { listeners: ["web", "websecure"] })], {
    listeners: [
      { name: "web", protocol: "http", host: "127.0.0.1", port: 0 },
      { name: "websecure", protocol: "http", host: "127.0.0.1", port: 0, tls: { certificates: [], acme: acme as AcmeConfig, minVersion: "TLSv1.2", handshakeTimeoutMs: 10_000 } },
    ],
  });
}

const good: AcmeConfig = { email: "ops@example.com", directory: "https://acme.example.com/dir", domains: ["shop.example.com"], storage: { scope: "t/websecure" } };

test("a listener's ACME settings are checked when the runtime config is loaded", () => {
  assert.doesNotThrow(() => validateRuntimeConfig(withAcme(good)));
  const cases: Array<[unknown, RegExp]> = [
    [{ ...good, directory: "http://acme.example.com/dir" }, /tls\.acme needs an email and an https:\/\/ directory URL/],
    [{ ...good, domains: [] }, /tls\.acme\.domains must be a non-empty list/],
    [{ ...good, directoryCa: "pem text" }, /tls\.acme\.directoryCa must be \{ file \} or \{ env \}/],
    [{ ...good, storage: undefined }, /tls\.acme\.storage needs a scope/],
  ];
  for (const [acme, message] of cases) {
    assert.throws(() => validateRuntimeConfig(withAcme(acme)), (e: Error & { code?: string }) => e.code === "EF_PROXY_CONFIG" && message.test(e.message) && e.message.includes('listener "websecure"'));
  }
});

test("the runtime config schema describes tls.acme: a wrong value fails the listener that has it", () => {
  assert.deepEqual([...Value.Errors(ProxyRuntimeConfigSchema, withAcme(good))], []);
  // A union (http | tcp listener) reports at the listener, not deeper.
  const paths = (acme: unknown) => [...new Set([...Value.Errors(ProxyRuntimeConfigSchema, withAcme(acme))].map((e) => e.path))];
  for (const bad of [{ ...good, domains: [] }, { ...good, directory: "http://x/dir" }, { ...good, storage: { dataDir: "/x" } }, { ...good, directoryCa: "pem" }]) {
    assert.deepEqual(paths(bad), ["/listeners/1"], JSON.stringify(bad));
  }
});
