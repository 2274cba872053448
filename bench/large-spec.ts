/** Generates large, valid topology specs for benchmarks and scale tests. */
import { Document, isCollection, isMap, isScalar, visit, type Node } from "yaml";

/** A realistic large spec: half provisioned fleets, half existing origins; one route per fleet. */
export function largeSpec(fleets: number, routes: number): string {
  const fleetMap: Record<string, unknown> = {};
  for (let i = 0; i < fleets; i++) {
    fleetMap[`svc-${i}`] = i % 2 === 0
      ? {
          image: `ghcr.io/acme/svc-${i}:1.${i % 10}.0`,
          port: 8080,
          replicas: 1 + (i % 3),
          healthCheck: { path: "/healthz", interval: "5s", timeout: "1s", healthyThreshold: 2, unhealthyThreshold: 3 },
          env: { LOG_LEVEL: "info", DB_PASSWORD: { secret: `db${i}` } },
        }
      : {
          endpoints: [`origin-${i}-a.example.com:80`, { address: `10.${(i >> 8) & 255}.${i & 255}.8:80`, weight: 2 }],
          discovery: { type: "dns", refresh: "30s" },
        };
  }
  const routeList: unknown[] = [];
  for (let i = 0; i < routes - 1; i++) {
    routeList.push({
      name: `r-${i}`,
      match: { host: `svc-${i}.example.com`, pathPrefix: `/api/v${i % 3}/` },
      fleet: `svc-${i % fleets}`,
      balancer: i % 4 === 0 ? { algorithm: "consistent-hash", hashKey: "header:x-user-id" } : { algorithm: "least-request" },
      retry: { attempts: 2, on: ["connect-failure", "reset", 503] },
      timeouts: { connect: "1s", response: "15s", idle: "60s" },
      ...(i % 5 === 0 ? { cache: "edge" } : {}),
    });
  }
  routeList.push({ name: "default", match: { pathPrefix: "/" }, fleet: "svc-0", cache: "edge" });
  return asYaml({
    version: 1,
    name: "bench",
    fleets: fleetMap,
    edge: {
      replicas: 2,
      listeners: [
        { name: "web", protocol: "http", port: 8080 },
        { name: "alt", protocol: "http", port: 8443 },
        { name: "pg", protocol: "tcp", port: 5432, fleet: "svc-1" },
      ],
      routes: routeList,
    },
    caches: { edge: { memory: { maxBytes: "256MiB" }, redis: { maxMemory: "1GiB" } } },
    monitoring: { prometheus: { scrapeInterval: "15s" }, alerts: { edge5xxRatio: 0.02 } },
    targets: { local: { provider: "docker", publishPort: 18080 }, prod: { provider: "aws", region: "eu-west-1" } },
  });
}

/**
 * YAML in the style of examples/: small mappings and lists written inline
 * (`healthCheck: { path: /healthz, interval: 5s }`), everything else as blocks.
 */
export function asYaml(data: unknown): string {
  const doc = new Document(data);
  const leafy = (n: unknown, depth: number): boolean =>
    isScalar(n) || (depth > 0 && isCollection(n) && n.items.length <= 6 && n.items.every((i) => leafy(isMap(n) ? (i as { value: Node }).value : i, depth - 1)));
  visit(doc, {
    Map(_, n) {
      if (leafy(n, 2)) n.flow = true;
    },
    Seq(_, n) {
      if (leafy(n, 2)) n.flow = true;
    },
  });
  return doc.toString({ lineWidth: 0 });
}
