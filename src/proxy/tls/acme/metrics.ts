/**
 * edgeform_acme_orders_total{listener, kind: obtain|renew, result: success|failure}:
 * one per order a process ran (workers and replicas that loaded a certificate
 * another one ordered count nothing), so the sum over replicas is the number
 * of orders the ACME server saw.
 */
import { Counter, type Registry } from "prom-client";
import { Metrics } from "../../../plan/metric-names.js";

export type OrderKind = "obtain" | "renew";

const counters = new WeakMap<Registry, Counter<"listener" | "kind" | "result">>();

/** The registry's counter, created on first use (the proxy creates it at start, so it is listed before any order). */
export function acmeOrderCounter(registry: Registry): Counter<"listener" | "kind" | "result"> {
  let counter = counters.get(registry);
  if (counter === undefined) {
    counter = new Counter({
      name: Metrics.acmeOrders,
      help: "ACME certificate orders run by this proxy, by kind (obtain, renew) and result (success, failure).",
      labelNames: ["listener", "kind", "result"],
      registers: [registry],
    });
    counters.set(registry, counter);
  }
  return counter;
}
