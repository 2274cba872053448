/**
 * The spec `edgeform init` writes: small, valid, runnable with `edgeform dev`
 * (its fleet is edgeform's own demo origin), and commented so that it teaches
 * the format. Tests validate it for every name init can produce.
 */
export interface StarterOptions {
  /** Topology name (already a valid spec name). */
  name: string;
  /** Path or URL of the JSON Schema, for the yaml-language-server comment. */
  schema: string;
}

export function starterSpec({ name, schema }: StarterOptions): string {
  return `# yaml-language-server: $schema=${schema}
#
# An edgeform topology: backend fleets behind an edge proxy tier, with a cache.
#   edgeform validate topology.yaml     check it (every problem, with fixes)
#   edgeform graph topology.yaml        draw listeners → routes → caches → fleets
#   edgeform dev topology.yaml          run it on this machine, no Docker needed
#   edgeform plan topology.yaml -t local   what it becomes on Docker
# Durations are strings with units ("500ms", "5s", "1m"); sizes too ("64MiB").
version: 1
name: ${name}

# Backend fleets. A fleet is either provisioned (image + port + replicas) or
# a list of existing origins (endpoints: ["origin.example.com:80"]).
fleets:
  app:
    image: edgeform/demo-origin:0.1.0   # replace with your service's image
    port: 8080                          # the port the container listens on
    replicas: 2
    healthCheck: { path: /healthz, interval: 5s, timeout: 1s }
    dev: { command: edgeform origin }   # how \`edgeform dev\` runs it; it must listen on $PORT

# The edge proxy tier: listeners accept traffic; routes (first match wins)
# send it to a fleet, optionally through a cache.
edge:
  replicas: 1
  listeners:
    - { name: web, protocol: http, port: 8080 }
  routes:
    - name: assets
      match: { pathPrefix: /static/ }
      fleet: app
      cache: edge                       # RFC 9111 caching: only what responses allow
    - name: default                     # the catch-all comes last
      match: { pathPrefix: / }
      fleet: app
      balancer: { algorithm: least-request }
      retry: { attempts: 1, on: [connect-failure, reset] }
      timeouts: { connect: 1s, response: 15s }

# Cache tiers: an in-process memory tier per proxy, plus a shared Redis tier.
caches:
  edge:
    memory: { maxBytes: 64MiB }
    redis: { maxMemory: 256MiB }

monitoring:
  prometheus: { scrapeInterval: 15s, retention: 7d }
  alerts: { edge5xxRatio: 0.05, backendDownFor: 1m }

# Where it can be provisioned. For AWS add, e.g.:
#   prod: { provider: aws, region: eu-west-1, cdn: { priceClass: PriceClass_100 } }
targets:
  local: { provider: docker, publishPort: 8080 }
`;
}
