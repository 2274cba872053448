/**
 * Reading the runtime config file (written by plan) and checking what the
 * data plane relies on, so a hand-edited or stale file fails at start or
 * reload with a sentence that names the problem, instead of mid-request.
 */
import { readFile } from "node:fs/promises";
import { EdgeformError } from "../../errors.js";
import { Value } from "@sinclair/typebox/value";
import { PROXY_CONFIG_VERSION, type ProxyRuntimeConfig } from "../../plan/proxy-config.js";
import { ProxyRuntimeConfigSchema } from "../../plan/proxy-config-schema.js";
import { createSelector } from "../upstream/index.js";

const HINT = "regenerate it from the spec: `edgeform proxy <spec> --config-out <file>` writes one";

export async function readRuntimeConfig(file: string): Promise<ProxyRuntimeConfig> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    throw new EdgeformError("EF_PROXY_CONFIG", `cannot read proxy config ${file}: ${(e as Error).message}`, { hint: "check the --config path" });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new EdgeformError("EF_PROXY_CONFIG", `proxy config ${file} is not valid JSON: ${(e as Error).message}`, { hint: HINT });
  }
  return validateRuntimeConfig(data, file);
}

/** Checks a runtime config's shape and references; returns it typed. */
export function validateRuntimeConfig(data: unknown, where = "proxy config"): ProxyRuntimeConfig {
  const fail = (what: string): never => {
    throw new EdgeformError("EF_PROXY_CONFIG", `${where}: ${what}`, { hint: HINT });
  };
  if (!isObject(data)) return fail("the config must be a JSON object");
  if (data["version"] !== PROXY_CONFIG_VERSION) fail(`version must be ${PROXY_CONFIG_VERSION}, got ${JSON.stringify(data["version"])}`);
  for (const key of ["listeners", "routes", "clusters", "caches", "trustedProxies"]) {
    if (!Array.isArray(data[key])) fail(`"${key}" must be an array`);
  }
  for (const key of ["admin", "limits", "retryBudget"]) if (!isObject(data[key])) fail(`"${key}" must be an object`);
  const config = data as unknown as ProxyRuntimeConfig;
  if (typeof config.name !== "string" || config.name === "") fail('"name" must be a non-empty string');

  const clusters = new Set<string>();
  for (const [i, c] of config.clusters.entries()) {
    if (!isObject(c) || typeof c.name !== "string") fail(`clusters[${i}] needs a name`);
    if (clusters.has(c.name)) fail(`two clusters are named "${c.name}"`);
    clusters.add(c.name);
    const d = c.discovery as { type?: string; endpoints?: unknown; hosts?: unknown; namespace?: unknown; service?: unknown; region?: unknown; port?: unknown } | undefined;
    if (!isObject(d) || (d.type !== "static" && d.type !== "dns" && d.type !== "cloudmap")) fail(`cluster "${c.name}": discovery.type must be "static", "dns" or "cloudmap"`);
    if (d!.type === "cloudmap") {
      if (typeof d!.namespace !== "string" || typeof d!.service !== "string" || typeof d!.region !== "string" || !isPort(d!.port, false)) {
        fail(`cluster "${c.name}": cloudmap discovery needs namespace, service, region and a port 1-65535`);
      }
      if (!isObject(c.outlier)) fail(`cluster "${c.name}" needs an "outlier" object`);
      continue;
    }
    const eps = d!.type === "static" ? d!.endpoints : d!.hosts;
    if (!Array.isArray(eps)) fail(`cluster "${c.name}": discovery needs a list of ${d!.type === "static" ? "endpoints" : "hosts"}`);
    for (const e of eps as unknown[]) {
      if (!isObject(e) || typeof e["host"] !== "string" || !isPort(e["port"], false)) fail(`cluster "${c.name}": endpoint ${JSON.stringify(e)} needs a host and a port 1-65535`);
    }
    if (!isObject(c.outlier)) fail(`cluster "${c.name}" needs an "outlier" object`);
  }

  const caches = new Set(config.caches.map((c) => c.name));
  const listeners = new Map<string, string>();
  for (const [i, l] of config.listeners.entries()) {
    if (!isObject(l) || typeof l.name !== "string") fail(`listeners[${i}] needs a name`);
    if (listeners.has(l.name)) fail(`two listeners are named "${l.name}"`);
    if (l.protocol !== "http" && l.protocol !== "tcp") fail(`listener "${(l as { name: string }).name}": protocol must be "http" or "tcp"`);
    if (typeof l.host !== "string" || !isPort(l.port, true)) fail(`listener "${l.name}" needs a host and a port 0-65535`);
    if (l.protocol === "http" && l.tls !== undefined) {
      if (!isObject(l.tls) || !Array.isArray(l.tls.certificates)) fail(`listener "${l.name}": tls needs a list of certificates`);
      if (l.tls.minVersion !== "TLSv1.2" && l.tls.minVersion !== "TLSv1.3") fail(`listener "${l.name}": tls.minVersion must be "TLSv1.2" or "TLSv1.3"`);
      for (const c of l.tls.certificates) if (!isPemSource(c?.cert) || !isPemSource(c?.key)) fail(`listener "${l.name}": each certificate needs cert and key as { file } or { env }`);
      if (l.tls.acme !== undefined) checkAcme(l.tls.acme, `listener "${l.name}": tls.acme`, fail);
    }
    if (l.protocol === "tcp") {
      if (!clusters.has(l.cluster)) fail(`TCP listener "${l.name}" refers to unknown fleet "${l.cluster}"`);
      checkAlgorithm(l.balancer, `TCP listener "${l.name}"`, fail);
      if (!isObject(l.timeouts)) fail(`TCP listener "${l.name}" needs "timeouts"`);
    }
    listeners.set(l.name, l.protocol);
  }
  const routes = new Set<string>();
  for (const [i, r] of config.routes.entries()) {
    if (!isObject(r) || typeof r.name !== "string") fail(`routes[${i}] needs a name`);
    if (routes.has(r.name)) fail(`two routes are named "${r.name}"`);
    routes.add(r.name);
    if (!clusters.has(r.cluster)) fail(`route "${r.name}" refers to unknown fleet "${r.cluster}"`);
    if (!Array.isArray(r.listeners)) fail(`route "${r.name}" needs a list of listeners`);
    for (const l of r.listeners) if (listeners.get(l) !== "http") fail(`route "${r.name}" refers to "${l}", which is not an HTTP listener`);
    if (!isObject(r.match) || typeof r.match.pathPrefix !== "string") fail(`route "${r.name}" needs match.pathPrefix`);
    checkAlgorithm(r.balancer, `route "${r.name}"`, fail);
    if (!isObject(r.retry) || !isObject(r.timeouts)) fail(`route "${r.name}" needs "retry" and "timeouts"`);
    if (r.cache && !caches.has(r.cache.cache)) fail(`route "${r.name}" refers to unknown cache "${r.cache.cache}"`);
  }
  if (typeof config.admin.host !== "string" || !isPort(config.admin.port, true)) fail("admin needs a host and a port 0-65535");
  for (const key of ["headerTimeoutMs", "requestTimeoutMs", "maxHeaderBytes", "keepAliveTimeoutMs"] as const) {
    if (typeof config.limits[key] !== "number" || config.limits[key] < 0) fail(`limits.${key} must be a number >= 0`);
  }
  if (config.workers !== undefined && (!Number.isInteger(config.workers) || config.workers < 1)) fail("workers must be a whole number >= 1");
  // The reference checks above name the common mistakes; the schema catches every other wrong value.
  const wrong = Value.Errors(ProxyRuntimeConfigSchema, data).First();
  if (wrong !== undefined) fail(`${wrong.path || "/"}: ${wrong.message}, got ${JSON.stringify(wrong.value) ?? "nothing"}`);
  return config;
}

function checkAlgorithm(balancer: unknown, where: string, fail: (what: string) => never): void {
  if (!isObject(balancer)) fail(`${where} needs a "balancer" object`);
  try {
    createSelector(balancer as never);
  } catch (e) {
    fail(`${where}: ${(e as Error).message}`);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function checkAcme(acme: unknown, where: string, fail: (what: string) => never): void {
  if (!isObject(acme)) fail(`${where} must be an object`);
  const a = acme as Record<string, unknown>;
  if (typeof a["email"] !== "string" || typeof a["directory"] !== "string" || !a["directory"].startsWith("https://")) fail(`${where} needs an email and an https:// directory URL`);
  if (!Array.isArray(a["domains"]) || a["domains"].length === 0 || !a["domains"].every((d) => typeof d === "string")) fail(`${where}.domains must be a non-empty list of names`);
  if (a["directoryCa"] !== undefined && !isPemSource(a["directoryCa"])) fail(`${where}.directoryCa must be { file } or { env }`);
  if (!isObject(a["storage"]) || typeof a["storage"]["scope"] !== "string") fail(`${where}.storage needs a scope`);
}

function isPemSource(v: unknown): boolean {
  return isObject(v) && (typeof v["file"] === "string" || typeof v["env"] === "string");
}

function isPort(v: unknown, allowZero: boolean): boolean {
  return typeof v === "number" && Number.isInteger(v) && v >= (allowZero ? 0 : 1) && v <= 65535;
}
