/**
 * Loopback addresses `edgeform dev` hands the plan (its own module so the
 * planners that read it, plan.ts and monitoring/, need not import each other).
 */
import type { CertificateConfig } from "./tls-config.js";

export interface DevAddresses {
  /** fleet → one loopback port per replica (provisioned fleets). */
  fleetPorts?: Record<string, number[]>;
  /** cache → loopback port of its redis-server; a cache without one gets the memory tier only. */
  redisPorts?: Record<string, number>;
  adminPort?: number;
  /** listener name → port, overriding the spec (`edgeform dev --port`). */
  listenerPorts?: Record<string, number>;
  prometheusPort?: number;
  alertmanagerPort?: number;
  /** Served by https listeners whose certificates come from ACME or are not given (dev's local CA). */
  localCertificate?: CertificateConfig;
}
