/**
 * The pebble test server itself: it starts on loopback with its own config,
 * its directory is reachable only when its CA is trusted explicitly, and it
 * is gone after stop().
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { getText, startPebble } from "./pebble.js";

test("pebble serves an ACME directory over HTTPS trusted through its own CA, and stops by PID", async () => {
  const pebble = await startPebble();
  try {
    const dir = await getText(pebble.directory, pebble.directoryCa);
    assert.equal(dir?.status, 200);
    const body = JSON.parse(dir!.body) as Record<string, unknown>;
    assert.match(String(body["newOrder"]), /^https:\/\/127\.0\.0\.1:\d+\//);
    // Without its CA the directory's certificate is refused: verification stays on.
    assert.equal(await getText(pebble.directory, "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n").catch(() => undefined), undefined);
    assert.match(await pebble.issuingRoot(), /-----BEGIN CERTIFICATE-----/);
  } finally {
    await pebble.stop();
  }
  assert.equal(await getText(pebble.directory, pebble.directoryCa), undefined, "pebble still answers after stop()");
});
