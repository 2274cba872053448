/**
 * Backend identity. One place builds Backend objects so every part of the
 * upstream layer (discovery, health, selection, the failover loop's
 * passive health) agrees on what "the same backend" means.
 */
import { isIPv6 } from "node:net";
import type { Backend } from "./contracts.js";

/** "host:port", with IPv6 literals bracketed ("[::1]:8080") so the id stays unambiguous. */
export function backendId(host: string, port: number): string {
  return isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}

export function createBackend(host: string, port: number, weight: number): Backend {
  return Object.freeze({ id: backendId(host, port), host, port, weight });
}
