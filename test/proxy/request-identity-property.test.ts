/**
 * Issue #11, the invariant itself, tested with generated requests (fast-check)
 * against a real proxy and real origins on 127.0.0.1: for any request target
 * and Host (percent-encodings, dot segments, `//`, backslashes, userinfo,
 * ports, trailing dots, IPv6 literals, fragments, absolute-form) and any
 * trusted X-Forwarded-Proto, either
 *   - the request is refused with 400 and no origin receives anything, or
 *   - the route that answered is the route for the path the origin received,
 *     and the response served (from cache or not) was made by the origin for
 *     exactly the authority, path, query and scheme that this request sends
 *     it now (checked by sending the same request with `Cache-Control:
 *     no-cache`, which must reach the origin).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { normalizeTarget } from "../../src/proxy/http/target.js";
import { send, withTopology, type Topology } from "./identity-support.js";

/** `arb` one time in `1 + odds`, otherwise "" (fast-check's option() has it the other way round). */
function sometimes(arb: fc.Arbitrary<string>, odds: number): fc.Arbitrary<string> {
  return fc.oneof({ weight: odds, arbitrary: fc.constant("") }, { weight: 1, arbitrary: arb });
}

const segment = fc.oneof(
  fc.constantFrom("admin", "static", "public", "x", "Admin", "app.js", ".well-known"),
  fc.constantFrom(".", "..", "%2e", "%2E", "%2e%2E", ".%2e", ""),
  fc.constantFrom("%2f", "%2F", "%5c", "\\", "%00", "%zz", "%4", "%"),
  fc.constantFrom("%41", "%61dmin", "%7e", "%7E", "~", "a%20b", "%c3%a9", "%C3%A9", "%3b", ";x", "a@b", "a:b", "%23"),
);
const path = fc.array(segment, { minLength: 0, maxLength: 5 }).map((s) => `/${s.join("/")}`);
const query = sometimes(fc.array(fc.constantFrom("a=1", "a=2", "b=%7e", "B=~", "%zz", "q", "x=%2F", "y=/?"), { minLength: 1, maxLength: 3 }).map((p) => `?${p.join("&")}`), 1);
const fragment = sometimes(fc.constantFrom("#", "#f", "#/../admin"), 6);

const name = fc.constantFrom("shop.test", "SHOP.test", "shop.test.", "a.example", "A.EXAMPLE.", "127.0.0.1", "my_host.internal");
const ipv6 = fc.constantFrom("[::1]", "[0:0::1]", "[::FFFF:127.0.0.1]", "[fe80::1%25eth0]", "[::1", "[v1.x]");
const port = sometimes(fc.constantFrom(":80", ":443", ":8080", ":08080", ":0", ":65536", ":abc", ":"), 2);
const userinfo = sometimes(fc.constantFrom("user@", "u:p@", "@"), 6);
const junk = sometimes(fc.constantFrom(",b.test", "/x", "\"", "..", ";a"), 8);
const authority = fc.tuple(userinfo, fc.oneof({ weight: 4, arbitrary: name }, { weight: 1, arbitrary: ipv6 }), port, junk).map((p) => p.join(""));

const originForm = fc.tuple(path, query, fragment).map((p) => p.join(""));
const absoluteForm = fc.tuple(fc.constantFrom("http://", "HTTP://", "https://"), authority, sometimes(originForm, 1)).map((p) => p.join(""));
const target = fc.oneof({ weight: 3, arbitrary: originForm }, { weight: 1, arbitrary: absoluteForm });
const forwardedProto = fc.constantFrom(undefined, "http", "https", "HTTPS", "https, http", "ftp");

interface Reflection {
  url: string;
  host: string;
  xfh: string;
  xfp: string;
  fwd: string;
}

/** The route table of identity-support.ts, applied to the path an origin received. */
function routeFor(url: string): "admin" | "public" {
  return url.startsWith("/admin") ? "admin" : "public";
}

function received(t: Topology): number {
  return t.pub.seen.length + t.admin.seen.length;
}

function lastSeen(t: Topology, fleet: string): Reflection {
  const s = (fleet === "admin" ? t.admin : t.pub).seen.at(-1)!;
  const h = s.headers;
  return { url: s.url, host: String(h.host), xfh: String(h["x-forwarded-host"]), xfp: String(h["x-forwarded-proto"]), fwd: String(h.forwarded) };
}

test("property: every request is refused before forwarding, or routed, keyed and sent as one identity", async () => {
  let refused = 0;
  let hits = 0;
  let served = 0;
  await withTopology(async (t) => {
    await fc.assert(
      fc.asyncProperty(target, authority, forwardedProto, async (requestTarget, host, proto) => {
        const headers = [`Host: ${host}`, ...(proto === undefined ? [] : [`X-Forwarded-Proto: ${proto}`])];
        const before = received(t);
        const first = await send(t.port, `GET ${requestTarget} HTTP/1.1`, headers);
        if (first.status === 400) {
          refused++;
          assert.equal(received(t), before, "a refused request reached no origin");
          return;
        }
        assert.equal(first.status, 200, `${requestTarget} with Host ${host}: ${first.head.split("\r\n")[0]}`);
        served++;
        const fleet = /\r\nx-backend: (\w+)/i.exec(first.head)?.[1] ?? "";
        const made = JSON.parse(first.body) as Reflection;
        if (/cache-status: [^\r]*hit/i.test(first.head)) hits++;
        else assert.equal(received(t), before + 1, "a miss reached the origin once");

        // The same request, made to reach the origin: what it sends for this identity now.
        const again = await send(t.port, `GET ${requestTarget} HTTP/1.1`, [...headers, "Cache-Control: no-cache"]);
        assert.equal(again.status, 200);
        const now = lastSeen(t, fleet);
        assert.equal(fleet, routeFor(now.url), `the route taken is the route for the path the origin got (${now.url})`);
        assert.equal(made.url, now.url, "the response served was made for this path and query");
        assert.equal(made.host, now.host, "… for this authority");
        assert.equal(made.xfp, now.xfp, "… for this scheme");
        assert.equal(now.xfh, now.host, "X-Forwarded-Host is the authority sent as Host");
        assert.ok(now.fwd.endsWith(`;proto=${now.xfp}`) && now.fwd.includes(`host=${now.host.includes(":") ? `"${now.host}"` : now.host};`), `Forwarded agrees: ${now.fwd}`);
        if (fleet === "public") {
          // The public routes are cached: the response just made for this identity is what the same request gets now.
          const third = await send(t.port, `GET ${requestTarget} HTTP/1.1`, headers);
          assert.match(third.head, /cache-status: [^\r]*hit/i, "stored under the key of this identity");
          assert.equal(third.body, again.body);
          hits++;
        }
        // What the origin receives is already normal: no fragment, dot segment, empty segment or encoded unreserved byte.
        assert.doesNotMatch(now.url, /#|\/\.\.?(?:\/|$|\?)|\/\/|%(?:2[eE]|4[1-9a-fA-F]|5[a-fA-F]|6[1-9a-fA-F]|7[0-9aAeE])/, `normal target: ${now.url}`);
        assert.equal(now.host, now.host.toLowerCase());
        assert.ok(!now.host.endsWith("."), "no trailing dot");
      }),
      { numRuns: 250 },
    );
  }, { trustedProxies: ["127.0.0.0/8"] });
  // The generators must exercise both outcomes and the cache, or the property says little.
  assert.ok(refused > 20, `refused ${refused}`);
  assert.ok(served > 20, `served ${served}`);
  assert.ok(hits > 20, `cache hits ${hits}`);
});

test("property: the normal form of a target is a fixed point, and the fast path agrees with the full normalisation", () => {
  fc.assert(
    fc.property(originForm, (t) => {
      const once = normalizeTarget(t);
      if (typeof once === "string") return;
      const twice = normalizeTarget(once.target);
      assert.deepEqual(twice, once, `${t} → ${once.target}`);
      assert.equal(once.target.indexOf("?") < 0 ? once.target.length : once.target.indexOf("?"), once.pathEnd);
    }),
    { numRuns: 2000 },
  );
});
