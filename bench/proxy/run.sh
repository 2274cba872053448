#!/usr/bin/env bash
# Reverse-proxy throughput, measured in one run on this machine:
#
#   origin: nginx `return 200` (1 worker)
#   peers:  edgeform proxy (1 worker), nginx proxy_pass with upstream keepalive
#           (1 worker), HAProxy (nbthread 1), http-proxy (Node) as usually deployed
#           (a new upstream connection per request) and with a keep-alive agent,
#           edgeform with 2 workers for scaling, and edgeform with 5,000 prefix
#           routes on the host where the request falls through to the last one
#           (routing cost must not grow with the route table)
#   load:   wrk, the same threads / connections / duration for each
#
# Prints requests/s, p99 latency and CPU time per request (the peer's
# processes, user + system) for each, the ratios against nginx and
# http-proxy, and writes them as JSON. Everything binds 127.0.0.1; configs,
# logs and results go to $OUT (default /tmp/edgeform-bench). The machine may
# be shared: compare the ratios of one run, not absolute numbers across runs.
#
#   bench/proxy/run.sh                    # 10 s per peer
#   DURATION=5 CONNECTIONS=32 bench/proxy/run.sh
#   ROUNDS=3 bench/proxy/run.sh           # repeat and report each peer's median
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
export PATH="$ROOT/node_modules/.bin:$PATH"
OUT="${OUT:-/tmp/edgeform-bench}"
DURATION="${DURATION:-10}"
WARMUP="${WARMUP:-2}"
CONNECTIONS="${CONNECTIONS:-64}"
THREADS="${THREADS:-2}"
ROUNDS="${ROUNDS:-1}"
BASE="${BASE_PORT:-28080}"
ORIGIN=$BASE NGINX=$((BASE + 1)) HAPROXY=$((BASE + 2)) HTTPPROXY=$((BASE + 3)) EDGE=$((BASE + 4)) EDGE_ADMIN=$((BASE + 5)) EDGE2=$((BASE + 6)) EDGE2_ADMIN=$((BASE + 7)) HTTPPROXY_KA=$((BASE + 8)) EDGE5K=$((BASE + 9)) EDGE5K_ADMIN=$((BASE + 10))

for tool in nginx haproxy wrk node; do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install nginx haproxy wrk; node comes with npm install)" >&2; exit 2; }
done
[ -f "$ROOT/dist/src/proxy/main.js" ] && [ -f "$ROOT/dist/bench/proxy/http-proxy-server.js" ] || { echo "build first: npm run build" >&2; exit 2; }

rm -rf "$OUT" && mkdir -p "$OUT"
# shellcheck source=bench/proxy/processes.sh
. "$ROOT/bench/proxy/processes.sh"

# shellcheck source=bench/proxy/nginx-conf.sh
. "$ROOT/bench/proxy/nginx-conf.sh"

# shellcheck source=bench/proxy/wait-for.sh
. "$ROOT/bench/proxy/wait-for.sh"

# ── origin and peers ──────────────────────────────────────────────────────────
nginx_conf "$OUT/origin" "server { listen 127.0.0.1:$ORIGIN; location / { return 200 \"ok\n\"; } }"
wait_for "http://127.0.0.1:$ORIGIN/"

nginx_conf "$OUT/nginx" "upstream origin { server 127.0.0.1:$ORIGIN; keepalive 64; }
  server { listen 127.0.0.1:$NGINX; location / { proxy_pass http://origin; proxy_http_version 1.1; proxy_set_header Connection \"\"; } }"

cat > "$OUT/haproxy.cfg" <<CONF
global
  nbthread 1
  maxconn 4096
defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
frontend fe
  bind 127.0.0.1:$HAPROXY
  default_backend be
backend be
  http-reuse always
  server origin 127.0.0.1:$ORIGIN
CONF
haproxy -f "$OUT/haproxy.cfg" -db > "$OUT/haproxy.log" 2>&1 &
PIDS+=($!)
declare -A PID=([haproxy]=$!)

node "$ROOT/dist/bench/proxy/http-proxy-server.js" "$HTTPPROXY" "http://127.0.0.1:$ORIGIN" > "$OUT/http-proxy.log" 2>&1 &
PIDS+=($!)
PID[http-proxy]=$!
node "$ROOT/dist/bench/proxy/http-proxy-server.js" "$HTTPPROXY_KA" "http://127.0.0.1:$ORIGIN" keepalive > "$OUT/http-proxy-ka.log" 2>&1 &
PIDS+=($!)
PID[http-proxy-ka]=$!

# shellcheck source=bench/proxy/edge-config.sh
. "$ROOT/bench/proxy/edge-config.sh"
edge_config "$EDGE" "$EDGE_ADMIN" "$OUT/edgeform.json"
edge_config "$EDGE2" "$EDGE2_ADMIN" "$OUT/edgeform-2w.json"
# 4,999 prefix routes the request does not match, then the one it does, all on its host.
routes5k="[$(for i in $(seq 0 4998); do edge_route "r$i" "{ \"host\": \"127.0.0.1\", \"pathPrefix\": \"/r$i/\" }"; printf ','; done; edge_route last '{ "host": "127.0.0.1", "pathPrefix": "/" }')]"
edge_config "$EDGE5K" "$EDGE5K_ADMIN" "$OUT/edgeform-5000r.json" "$routes5k"
node "$ROOT/dist/src/proxy/main.js" --config "$OUT/edgeform.json" --workers 1 > "$OUT/edgeform.log" 2>&1 &
PIDS+=($!)
PID[edgeform]=$!
node "$ROOT/dist/src/proxy/main.js" --config "$OUT/edgeform-2w.json" --workers 2 > "$OUT/edgeform-2w.log" 2>&1 &
PIDS+=($!)
PID[edgeform-2w]=$!
node "$ROOT/dist/src/proxy/main.js" --config "$OUT/edgeform-5000r.json" --workers 1 > "$OUT/edgeform-5000r.log" 2>&1 &
PIDS+=($!)
PID[edgeform-5000r]=$!

PEERS=(nginx edgeform haproxy http-proxy http-proxy-ka edgeform-2w edgeform-5000r)
declare -A PORT=([nginx]=$NGINX [edgeform]=$EDGE [haproxy]=$HAPROXY [http-proxy]=$HTTPPROXY [http-proxy-ka]=$HTTPPROXY_KA [edgeform-2w]=$EDGE2 [edgeform-5000r]=$EDGE5K)
for p in "${PEERS[@]}"; do wait_for "http://127.0.0.1:${PORT[$p]}/"; done
PID[nginx]=$(cat "$OUT/nginx/nginx.pid")

# shellcheck source=bench/proxy/cpu-ticks.sh
. "$ROOT/bench/proxy/cpu-ticks.sh"

# ── measure ──────────────────────────────────────────────────────────────────
echo "wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s (after a ${WARMUP}s warm-up), $ROUNDS round(s), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
: > "$OUT/samples.tsv"
for round in $(seq 1 "$ROUNDS"); do
  for p in "${PEERS[@]}"; do
    url="http://127.0.0.1:${PORT[$p]}/"
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" "$url" > /dev/null
    before=$(tree_ticks "${PID[$p]}")
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "$url" > "$OUT/wrk-$p-$round.txt"
    after=$(tree_ticks "${PID[$p]}")
    rps=$(awk '/^Requests\/sec/ {print $2}' "$OUT/wrk-$p-$round.txt")
    p99=$(awk '$1 == "99%" {print $2}' "$OUT/wrk-$p-$round.txt")
    requests=$(awk '/requests in/ {print $1}' "$OUT/wrk-$p-$round.txt")
    cpu_us=$(awk -v t=$((after - before)) -v hz="$HZ" -v n="$requests" 'BEGIN { printf "%.1f", (n > 0 ? t * 1e6 / hz / n : 0) }')
    errors=$(grep -E "Non-2xx|Socket errors" "$OUT/wrk-$p-$round.txt" | tr -s ' ' || true)
    printf '%s\t%s\t%s\t%s\t%s\n' "$p" "$rps" "$p99" "${errors:-none}" "$cpu_us" >> "$OUT/samples.tsv"
    printf '  round %s  %-14s %10s req/s  p99 %8s  cpu %5s µs/req  %s\n' "$round" "$p" "$rps" "$p99" "$cpu_us" "${errors}" >&2
  done
done

# ── report: median per peer, ratios ──────────────────────────────────────────
node - "$OUT/samples.tsv" "$OUT/results.json" <<'JS'
const fs = require("node:fs");
const [samplesFile, resultsFile] = process.argv.slice(2);
const rows = fs.readFileSync(samplesFile, "utf8").trim().split("\n").map((l) => l.split("\t"));
const ms = (t) => (t.endsWith("us") ? parseFloat(t) / 1000 : t.endsWith("ms") ? parseFloat(t) : t.endsWith("s") ? parseFloat(t) * 1000 : NaN);
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor((s.length - 1) / 2)]; };
const peers = {};
for (const [name, rps, p99, errors, cpu] of rows) {
  const s = (peers[name] ??= { rps: [], p99: [], errors: [], cpu: [] });
  s.rps.push(Number(rps));
  s.p99.push(ms(p99));
  s.errors.push(errors);
  s.cpu.push(Number(cpu));
}
const result = {};
for (const [name, s] of Object.entries(peers)) result[name] = { rps: median(s.rps), p99Ms: median(s.p99), cpuUsPerRequest: median(s.cpu), errors: s.errors.filter((e) => e !== "none") };
const r = (a, b) => (result[a] && result[b] ? result[a].rps / result[b].rps : NaN);
const ratios = {
  "edgeform / nginx": r("edgeform", "nginx"),
  "edgeform / haproxy": r("edgeform", "haproxy"),
  "edgeform / http-proxy": r("edgeform", "http-proxy"),
  "edgeform / http-proxy keep-alive": r("edgeform", "http-proxy-ka"),
  "edgeform 2 workers / 1 worker": r("edgeform-2w", "edgeform"),
  // Routing cost must not grow with the table: within 10 % of one route (>= 0.90).
  "edgeform 5,000 routes / 1 route": r("edgeform-5000r", "edgeform"),
  // CPU per request: how many requests each proxy serves per core-second, relative to edgeform's.
  "CPU per request, nginx / edgeform": result.nginx && result.edgeform ? result.nginx.cpuUsPerRequest / result.edgeform.cpuUsPerRequest : NaN,
};
console.log("\npeer             req/s      p99   cpu µs/req");
for (const [name, v] of Object.entries(result)) console.log(`${name.padEnd(15)} ${String(Math.round(v.rps)).padStart(7)}  ${v.p99Ms.toFixed(2).padStart(7)} ms  ${v.cpuUsPerRequest.toFixed(1).padStart(6)}${v.errors.length ? "  errors: " + v.errors.join("; ") : ""}`);
console.log("");
for (const [k, v] of Object.entries(ratios)) console.log(`${k.padEnd(33)} ${v.toFixed(2)}×`);
fs.writeFileSync(resultsFile, JSON.stringify({ date: new Date().toISOString(), result, ratios }, null, 2));
console.log(`\n(results: ${resultsFile})`);
JS
