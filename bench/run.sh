#!/bin/sh
# Every benchmark, each against its real peers in the same run (ratios are
# what to compare on a shared machine). Needs wrk, nginx, haproxy and
# redis-server (Debian packages). Run through `npm run bench`.
set -eu
cd "$(dirname "$0")/.."
npm run --silent build
echo "== validation: 5,000 fleets and 5,000 routes"
node dist/bench/validate.js --runs 5
echo "== proxy pass-through vs nginx, HAProxy, http-proxy"
bash bench/proxy/run.sh
echo "== cache hits vs nginx proxy_cache, and L2 (Redis) vs L1 latency"
node dist/bench/cache/cache-hits.js
echo "== HTTPS termination vs nginx and a bare node:https server (keep-alive, full handshakes)"
bash bench/proxy/https.sh
