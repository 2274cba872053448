/**
 * TLS rules: where `tls` and `redirectToHttps` may appear, and what can be
 * checked of certificates, keys and CA bundles given as files before anything
 * runs: the file is readable, its PEM parses, a key matches its certificate,
 * the certificates cover the hosts routed to their listener, and none has
 * expired (a warning within 30 days). Secrets cannot be read at validate
 * time, so a certificate or key from a secret is only checked by the proxy.
 */
import { createPrivateKey, X509Certificate, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import type { PathSegment } from "./diagnostics.js";
import { entryLabel, isObj, list, listeners, objEntries, routes, str, unknownRef, type Ctx, type Obj, type Rule } from "./semantic-shared.js";

const DAY_MS = 86_400_000;
/** Certificates expiring sooner than this are reported as a warning. */
export const EXPIRY_WARNING_DAYS = 30;

/** The directory `{ file }` references are relative to. */
export function specDirectory(spec: { file: string; dir?: string }): string {
  if (spec.dir !== undefined) return spec.dir;
  return spec.file === "<input>" ? process.cwd() : dirname(resolve(spec.file));
}

export const tlsRules: Rule = (doc, ctx) => {
  const ls = listeners(doc);
  const byName = new Map<string, Obj>();
  for (const l of ls) if (isObj(l) && str(l["name"]) !== undefined) byName.set(str(l["name"])!, l);
  ls.forEach((l, i) => {
    if (!isObj(l)) return;
    const at = (...p: PathSegment[]): PathSegment[] => ["edge", "listeners", i, ...p];
    const label = entryLabel("listener", l, i);
    const protocol = l["protocol"];
    if (l["tls"] !== undefined && protocol !== "https") {
      ctx.report("EF_SPEC_TLS", at("tls"), `${label} has \`tls\` but its protocol is ${String(protocol)}`, { part: "key", suggestion: "set `protocol: https`, or remove `tls`" });
    }
    const redirect = str(l["redirectToHttps"]);
    if (redirect !== undefined) {
      const target = byName.get(redirect);
      if (protocol !== "http") ctx.report("EF_SPEC_TLS", at("redirectToHttps"), `${label} is not an http listener, so it cannot redirect to HTTPS`, { part: "key", suggestion: "remove `redirectToHttps`" });
      else if (target === undefined) unknownRef(ctx, "EF_SPEC_UNKNOWN_LISTENER", "listener", redirect, [...byName.keys()], at("redirectToHttps"));
      else if (target["protocol"] !== "https") ctx.report("EF_SPEC_TLS", at("redirectToHttps"), `${label} redirects to listener "${redirect}", which is not an https listener`, { suggestion: "name a listener with `protocol: https`" });
    }
    if (protocol !== "https") return;
    const tls = isObj(l["tls"]) ? l["tls"] : {};
    const certificates = list(tls["certificates"]);
    if (certificates.length === 0 && tls["acme"] === undefined) {
      ctx.report("EF_SPEC_TLS", at(), `https ${label} has neither \`tls.certificates\` nor \`tls.acme\`: only \`edgeform dev\` can serve it (with certificates from its local CA)`, {
        severity: "warning",
        suggestion: "add `tls: { certificates: [{ cert: { file: … }, key: { secret: … } }] }` or `tls: { acme: { email, domains } }`",
      });
    }
    if (isObj(tls["acme"])) checkAcme(ctx, doc, ls, str(l["name"]), tls["acme"], at("tls", "acme"));
    const loaded = certificates.map((c, j) => (isObj(c) ? checkCertificatePair(ctx, c, at("tls", "certificates", j)) : undefined));
    // Coverage is only knowable when every certificate could be read.
    if (loaded.length > 0 && loaded.every((c) => c !== undefined)) {
      const acme = isObj(tls["acme"]) ? list(tls["acme"]["domains"]).filter((d): d is string => typeof d === "string") : [];
      checkCoverage(ctx, doc, str(l["name"]), loaded as X509Certificate[], acme);
    }
  });
  const https = ls.filter((l) => isObj(l) && l["protocol"] === "https");
  const acme = https.filter((l) => isObj(l) && isObj(l["tls"]) && l["tls"]["acme"] !== undefined);
  // Containers have no shared writable directory: their ACME state lives in the Redis tier.
  const redisTier = objEntries(doc["caches"]).some(([, c]) => c["redis"] !== undefined);
  for (const [name, target] of objEntries(doc["targets"])) {
    const provider = target["provider"];
    if (https.length > 0 && provider === "aws") {
      ctx.report("EF_SPEC_TARGET", ["targets", name], "the aws target does not deliver TLS certificates to the edge containers yet, so its https listeners cannot start there", {
        severity: "warning",
        part: "key",
        suggestion: "https listeners run with `edgeform dev`, `edgeform proxy` and docker targets; on AWS the load balancer terminates TLS with `loadBalancer.certificateArn`",
      });
    }
    if (provider === "docker" && !redisTier && acme.length > 0) {
      ctx.report("EF_SPEC_TARGET", ["targets", name], "on the docker target, ACME listeners keep their account and certificate in the Redis tier, and this topology has none", {
        severity: "warning",
        part: "key",
        suggestion: "add `redis: { maxMemory: 64MiB }` to a cache so that every edge replica shares one ACME account and certificate",
      });
    }
  }
  for (const [name, fleet] of objEntries(doc["fleets"])) {
    const tls = fleet["tls"];
    if (!isObj(tls)) continue;
    const at = (...p: PathSegment[]): PathSegment[] => ["fleets", name, "tls", ...p];
    if (tls["verify"] === false) {
      ctx.report("EF_SPEC_TLS_VERIFY_OFF", at("verify"), `fleet "${name}" is reached over TLS without verifying its certificate, so anyone on the path can impersonate it`, {
        severity: "warning",
        suggestion: "keep `verify: true` and give the origin's CA as `ca: { file: … }`",
      });
    }
    if (isObj(tls["ca"])) {
      const pem = readPem(ctx, tls["ca"], at("ca"));
      if (pem !== undefined) parseCertificate(ctx, pem, at("ca"), "CA bundle");
    }
    if (isObj(tls["clientCertificate"])) checkCertificatePair(ctx, tls["clientCertificate"], at("clientCertificate"));
  }
};

/** Checks a {cert, key} pair; returns the certificate when it could be read from a file. */
function checkCertificatePair(ctx: Ctx, pair: Obj, path: PathSegment[]): X509Certificate | undefined {
  const certPem = isObj(pair["cert"]) ? readPem(ctx, pair["cert"], [...path, "cert"]) : undefined;
  const cert = certPem === undefined ? undefined : parseCertificate(ctx, certPem, [...path, "cert"], "certificate");
  const keyPem = isObj(pair["key"]) ? readPem(ctx, pair["key"], [...path, "key"]) : undefined;
  const key = keyPem === undefined ? undefined : parseKey(ctx, keyPem, [...path, "key"]);
  if (cert !== undefined && key !== undefined && !cert.checkPrivateKey(key)) {
    ctx.report("EF_SPEC_TLS_PEM", [...path, "key"], `the private key ${describeRef(pair["key"])} does not belong to the certificate ${describeRef(pair["cert"])} (${cert.subject.replace(/\n/g, ", ")})`, {
      suggestion: "pair each certificate with the key it was issued for",
    });
  }
  if (cert !== undefined) checkExpiry(ctx, cert, [...path, "cert"]);
  return cert;
}

/** The PEM text of a `{ file }` reference; undefined for secrets (unknown until run time) and unreadable files (reported). */
function readPem(ctx: Ctx, ref: Obj, path: PathSegment[]): string | undefined {
  const file = str(ref["file"]);
  if (file === undefined) return undefined;
  const full = isAbsolute(file) ? file : resolve(specDirectory(ctx.spec), file);
  try {
    return readFileSync(full, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    ctx.report("EF_SPEC_TLS_FILE", [...path, "file"], `cannot read ${file} (${full}): ${code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : (e as Error).message}`, {
      suggestion: "the path is relative to the spec file; check it, or use `{ secret: name }`",
    });
    return undefined;
  }
}

function parseCertificate(ctx: Ctx, pem: string, path: PathSegment[], what: string): X509Certificate | undefined {
  try {
    if (!pem.includes("-----BEGIN CERTIFICATE-----")) throw new Error("no BEGIN CERTIFICATE block");
    return new X509Certificate(pem);
  } catch (e) {
    ctx.report("EF_SPEC_TLS_PEM", [...path, "file"], `${describeRef(refAt(ctx, path))} is not a PEM ${what}: ${(e as Error).message}`, {
      suggestion: "give a PEM file that starts with -----BEGIN CERTIFICATE-----",
    });
    return undefined;
  }
}

function parseKey(ctx: Ctx, pem: string, path: PathSegment[]): KeyObject | undefined {
  try {
    return createPrivateKey(pem);
  } catch (e) {
    ctx.report("EF_SPEC_TLS_PEM", [...path, "file"], `${describeRef(refAt(ctx, path))} is not a PEM private key: ${(e as Error).message}`, {
      suggestion: "give an unencrypted PEM key (-----BEGIN PRIVATE KEY-----)",
    });
    return undefined;
  }
}

function checkExpiry(ctx: Ctx, cert: X509Certificate, path: PathSegment[]): void {
  const notAfter = Date.parse(cert.validTo);
  const left = notAfter - Date.now();
  const name = describeRef(refAt(ctx, path));
  if (left <= 0) {
    ctx.report("EF_SPEC_TLS_EXPIRY", [...path, "file"], `the certificate ${name} expired on ${new Date(notAfter).toISOString()}`, { suggestion: "renew it, or let ACME manage it with `tls.acme`" });
  } else if (left < EXPIRY_WARNING_DAYS * DAY_MS) {
    ctx.report("EF_SPEC_TLS_EXPIRY", [...path, "file"], `the certificate ${name} expires in ${Math.ceil(left / DAY_MS)} days (${new Date(notAfter).toISOString()})`, {
      severity: "warning",
      suggestion: "renew it soon, or let ACME manage it with `tls.acme`",
    });
  }
}

/**
 * HTTP-01 needs a plain http listener (the CA asks port 80 of each domain over
 * HTTP), and a domain no route of the listener serves gets a certificate for
 * nothing.
 */
function checkAcme(ctx: Ctx, doc: Obj, ls: unknown[], listener: string | undefined, acme: Obj, at: PathSegment[]): void {
  if (!ls.some((l) => isObj(l) && l["protocol"] === "http")) {
    ctx.report("EF_SPEC_TLS", at, `https listener "${listener ?? "?"}" gets its certificate with ACME HTTP-01, which the CA fetches over plain HTTP, but no listener has \`protocol: http\``, {
      part: "key",
      suggestion: "add `{ name: web, protocol: http, port: 80, redirectToHttps: <this listener> }`: the CA connects to port 80 of each domain, and the proxy answers the challenge before redirecting",
    });
  }
  if (listener === undefined) return;
  const hosts: Array<string | undefined> = [];
  for (const r of routes(doc)) {
    if (!isObj(r) || (Array.isArray(r["listeners"]) && !r["listeners"].includes(listener))) continue;
    hosts.push(isObj(r["match"]) ? str(r["match"]["host"])?.replace(/:[0-9]+$/, "").toLowerCase() : undefined);
  }
  if (hosts.includes(undefined)) return;
  list(acme["domains"]).forEach((d, j) => {
    if (typeof d !== "string") return;
    const domain = d.toLowerCase();
    const routed = hosts.some((h) => h === domain || (h !== undefined && h.startsWith("*.") && coveredByWildcard(domain, h.slice(1))));
    if (!routed) {
      ctx.report("EF_SPEC_TLS_NAME", [...at, "domains", j], `ACME domain "${domain}" is not routed on https listener "${listener}": a certificate would be obtained for requests that no route serves`, {
        severity: "warning",
        suggestion: `add a route with \`match: { host: ${domain} }\` on this listener, or remove the domain`,
      });
    }
  });
}

/** "a.shop.example.com" is under ".shop.example.com" by exactly one label. */
function coveredByWildcard(domain: string, suffix: string): boolean {
  return domain.endsWith(suffix) && domain.length > suffix.length && !domain.slice(0, domain.length - suffix.length).includes(".");
}

/** Every host routed to the listener must be covered by one of its certificates (or by its ACME domains). */
function checkCoverage(ctx: Ctx, doc: Obj, listener: string | undefined, certs: X509Certificate[], acme: string[]): void {
  if (listener === undefined) return;
  routes(doc).forEach((r, i) => {
    if (!isObj(r) || !isObj(r["match"])) return;
    const host = str(r["match"]["host"]);
    const served = Array.isArray(r["listeners"]) ? r["listeners"].includes(listener) : true;
    if (host === undefined || !served) return;
    const name = host.replace(/:[0-9]+$/, "").toLowerCase();
    // A wildcard route is covered by a certificate valid for any name under it.
    const probe = name.startsWith("*.") ? `edgeform-probe${name.slice(1)}` : name;
    if (certs.some((c) => c.checkHost(probe, { wildcards: true }) !== undefined)) return;
    if (acme.some((d) => d.toLowerCase() === name)) return;
    ctx.report("EF_SPEC_TLS_NAME", ["edge", "routes", i, "match", "host"], `${entryLabel("route", r, i)} serves host "${name}" on https listener "${listener}", but none of that listener's certificates is valid for it`, {
      suggestion: `add a certificate for ${name} (or a wildcard), or add it to \`tls.acme.domains\``,
    });
  });
}

function refAt(ctx: Ctx, path: PathSegment[]): unknown {
  let v: unknown = ctx.spec.data;
  for (const p of path) v = isObj(v) || Array.isArray(v) ? (v as Record<string | number, unknown>)[p] : undefined;
  return v;
}

function describeRef(ref: unknown): string {
  if (isObj(ref) && typeof ref["file"] === "string") return ref["file"];
  if (isObj(ref) && typeof ref["secret"] === "string") return `from secret "${ref["secret"]}"`;
  return "(unnamed)";
}
