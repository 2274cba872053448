#!/usr/bin/env bash
# HTTPS termination, measured in one run on this machine:
#
#   origin: nginx `return 200` over plain HTTP (1 worker)
#   peers:  nginx terminating TLS + proxy_pass with upstream keepalive (1 worker),
#           edgeform with an https listener (1 worker), and a bare node:https
#           server answering by itself (the ceiling for anything on node:tls);
#           the same ECDSA P-256 certificate, TLS 1.3, all on OpenSSL
#   load:   wrk keep-alive (many requests per connection), and wrk with
#           `Connection: close` (one new connection per request)
#
# The handshake row must compare full handshakes: wrk keeps each connection's
# TLS session across reconnects and offers it again (a resumption skips the
# certificate and the signature). It resumes nginx's sessions on every
# connection and Node's on every other one, so the row is measured against
# peers that cannot resume: nginx from a server block with tickets and session
# cache off, edgeform and node:https from second processes whose OpenSSL sends
# no session tickets (OPENSSL_CONF with NumTickets = 0; Node has no option for
# it). Every handshake in the row is a full ECDHE + ECDSA one.
#
# Prints requests/s and CPU time per request (the peer's processes, user +
# system) of each, and the ratios edgeform / nginx. Binds 127.0.0.1; files go
# to $OUT (default /tmp/edgeform-bench-https). Compare the ratios of one run on
# a shared machine, not absolute numbers; CPU per request is the steadiest.
#
#   bench/proxy/https.sh                     # 10 s per measurement
#   DURATION=3 CONNECTIONS=32 bench/proxy/https.sh
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
export PATH="$ROOT/node_modules/.bin:$PATH"
OUT="${OUT:-/tmp/edgeform-bench-https}"
DURATION="${DURATION:-10}"
CONNECTIONS="${CONNECTIONS:-64}"
THREADS="${THREADS:-2}"
BASE="${BASE_PORT:-28180}"
ORIGIN=$BASE NGINX=$((BASE + 1)) EDGE=$((BASE + 2)) EDGE_ADMIN=$((BASE + 3)) NGINX_FULL=$((BASE + 4)) NODE_HTTPS=$((BASE + 5))
EDGE_FULL=$((BASE + 6)) EDGE_FULL_ADMIN=$((BASE + 7)) NODE_FULL=$((BASE + 8))

for tool in nginx wrk openssl node curl; do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install nginx wrk openssl curl)" >&2; exit 2; }
done
[ -f "$ROOT/dist/src/proxy/main.js" ] && [ -f "$ROOT/dist/bench/proxy/node-https-server.js" ] || { echo "build first: npm run build" >&2; exit 2; }

rm -rf "$OUT" && mkdir -p "$OUT"
# shellcheck source=bench/proxy/processes.sh
. "$ROOT/bench/proxy/processes.sh"

# One certificate for both peers (generated here: no key is committed).
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
  -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout "$OUT/key.pem" -out "$OUT/cert.pem" 2>/dev/null

# shellcheck source=bench/proxy/nginx-conf.sh
. "$ROOT/bench/proxy/nginx-conf.sh"

# shellcheck source=bench/proxy/wait-for.sh
. "$ROOT/bench/proxy/wait-for.sh"

nginx_conf "$OUT/origin" "server { listen 127.0.0.1:$ORIGIN; location / { return 200 \"ok\n\"; } }"
nginx_conf "$OUT/nginx" "upstream origin { server 127.0.0.1:$ORIGIN; keepalive 64; }
  server { listen 127.0.0.1:$NGINX ssl; ssl_certificate $OUT/cert.pem; ssl_certificate_key $OUT/key.pem;
    ssl_protocols TLSv1.2 TLSv1.3; ssl_session_tickets on;
    location / { proxy_pass http://origin; proxy_http_version 1.1; proxy_set_header Connection \"\"; } }
  server { listen 127.0.0.1:$NGINX_FULL ssl; ssl_certificate $OUT/cert.pem; ssl_certificate_key $OUT/key.pem;
    ssl_protocols TLSv1.2 TLSv1.3; ssl_session_tickets off; ssl_session_cache off;
    location / { proxy_pass http://origin; proxy_http_version 1.1; proxy_set_header Connection \"\"; } }"

# shellcheck source=bench/proxy/edge-config.sh
. "$ROOT/bench/proxy/edge-config.sh"
tls='{ "certificates": [{ "cert": { "file": "'"$OUT/cert.pem"'" }, "key": { "file": "'"$OUT/key.pem"'" } }], "minVersion": "TLSv1.2", "handshakeTimeoutMs": 10000 }'
edge_config "$EDGE" "$EDGE_ADMIN" "$OUT/edgeform.json" "" "$tls"
edge_config "$EDGE_FULL" "$EDGE_FULL_ADMIN" "$OUT/edgeform-full.json" "" "$tls"
# OpenSSL settings for the handshake row's Node processes: no session tickets, so no resumption.
cat > "$OUT/no-tickets.cnf" <<CONF
nodejs_conf = nodejs_init
[nodejs_init]
ssl_conf = ssl_sect
[ssl_sect]
system_default = no_tickets
[no_tickets]
NumTickets = 0
Options = -SessionTicket
CONF
declare -A PID
node "$ROOT/dist/src/proxy/main.js" --config "$OUT/edgeform.json" --workers 1 > "$OUT/edgeform.log" 2>&1 &
PIDS+=($!) && PID[edgeform]=$!
node "$ROOT/dist/bench/proxy/node-https-server.js" "$NODE_HTTPS" "$OUT/cert.pem" "$OUT/key.pem" > "$OUT/node-https.log" 2>&1 &
PIDS+=($!) && PID[node-https]=$!
OPENSSL_CONF="$OUT/no-tickets.cnf" node "$ROOT/dist/src/proxy/main.js" --config "$OUT/edgeform-full.json" --workers 1 > "$OUT/edgeform-full.log" 2>&1 &
PIDS+=($!) && PID[edgeform-full]=$!
OPENSSL_CONF="$OUT/no-tickets.cnf" node "$ROOT/dist/bench/proxy/node-https-server.js" "$NODE_FULL" "$OUT/cert.pem" "$OUT/key.pem" > "$OUT/node-https-full.log" 2>&1 &
PIDS+=($!) && PID[node-https-full]=$!

wait_for "https://127.0.0.1:$NGINX/"
wait_for "https://127.0.0.1:$NGINX_FULL/"
wait_for "https://127.0.0.1:$EDGE/"
wait_for "https://127.0.0.1:$NODE_HTTPS/"
wait_for "https://127.0.0.1:$EDGE_FULL/"
wait_for "https://127.0.0.1:$NODE_FULL/"

# shellcheck source=bench/proxy/cpu-ticks.sh
. "$ROOT/bench/proxy/cpu-ticks.sh"
NGINX_PID=$(cat "$OUT/nginx/nginx.pid")

echo "wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
declare -A RPS CPU
for mode in keepalive handshake; do
  for peer in nginx edgeform node-https; do
    case "$peer-$mode" in
      nginx-keepalive) port=$NGINX pid=$NGINX_PID ;;
      nginx-handshake) port=$NGINX_FULL pid=$NGINX_PID ;;
      edgeform-keepalive) port=$EDGE pid=${PID[edgeform]} ;;
      edgeform-handshake) port=$EDGE_FULL pid=${PID[edgeform-full]} ;;
      node-https-keepalive) port=$NODE_HTTPS pid=${PID[node-https]} ;;
      node-https-handshake) port=$NODE_FULL pid=${PID[node-https-full]} ;;
    esac
    extra=()
    [ "$mode" = handshake ] && extra=(-H "Connection: close")
    wrk -t"$THREADS" -c"$CONNECTIONS" -d2s "${extra[@]}" "https://127.0.0.1:$port/" > /dev/null
    before=$(tree_ticks "$pid")
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" "${extra[@]}" "https://127.0.0.1:$port/" > "$OUT/wrk-$mode-$peer.txt"
    after=$(tree_ticks "$pid")
    RPS[$mode-$peer]=$(awk '/^Requests\/sec/ {print $2}' "$OUT/wrk-$mode-$peer.txt")
    requests=$(awk '/requests in/ {print $1}' "$OUT/wrk-$mode-$peer.txt")
    CPU[$mode-$peer]=$(awk -v t=$((after - before)) -v hz="$HZ" -v n="$requests" 'BEGIN { printf "%.1f", (n > 0 ? t * 1e6 / hz / n : 0) }')
    printf '  %-10s %-10s %10s req/s  cpu %7s µs/req  %s\n' "$mode" "$peer" "${RPS[$mode-$peer]}" "${CPU[$mode-$peer]}" "$(grep -E 'Non-2xx|Socket errors' "$OUT/wrk-$mode-$peer.txt" | tr -s ' ' || true)" >&2
  done
done
# Ratios: throughput edgeform / nginx, and CPU per request nginx / edgeform (how
# many requests edgeform serves per core-second, relative to nginx); the same
# for the bare node:https server, the ceiling.
row() { # mode
  awk -v e="${RPS[$1-edgeform]}" -v n="${RPS[$1-nginx]}" -v b="${RPS[$1-node-https]}" -v ce="${CPU[$1-edgeform]}" -v cn="${CPU[$1-nginx]}" -v cb="${CPU[$1-node-https]}" 'BEGIN {
    printf "{\"edgeform\":%s,\"nginx\":%s,\"nodeHttps\":%s,\"ratio\":%.2f,\"nodeHttpsRatio\":%.2f,\"cpuUsPerRequest\":{\"edgeform\":%s,\"nginx\":%s,\"nodeHttps\":%s},\"cpuRatio\":%.2f,\"nodeHttpsCpuRatio\":%.2f}", e, n, b, e / n, b / n, ce, cn, cb, (ce > 0 ? cn / ce : 0), (cb > 0 ? cn / cb : 0)
  }'
}
echo "{\"keepalive\":$(row keepalive),\"handshake\":$(row handshake)}" | tee "$OUT/results.json"
