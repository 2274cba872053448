#!/usr/bin/env bash
# Is the proxy slower than it was at REF? One run on this machine, rounds
# interleaved, so both builds see the same load:
#
#   origin: nginx `return 200` (1 worker)
#   peers:  nginx proxy_pass with upstream keepalive (1 worker), edgeform built
#           from REF (a commit, e.g. the one whose figures the README quotes),
#           and edgeform as built in this tree; 1 worker each
#   load:   wrk, the same threads / connections / duration for each
#
# Prints each peer's median requests/s and CPU time per request over the
# rounds, and the ratios; CPU per request is the figure to trust on a shared
# machine (req/s also depends on how much CPU wrk and the origin got). REF is
# exported with `git archive` and compiled into $OUT (this tree's node_modules
# are linked in). Binds 127.0.0.1; everything goes to $OUT.
#
#   bench/proxy/compare.sh 35e2a7a              # 6 rounds of 3 s
#   ROUNDS=10 DURATION=5 bench/proxy/compare.sh main
set -euo pipefail

REF="${1:?usage: bench/proxy/compare.sh REF (a commit, branch or tag)}"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
export PATH="$ROOT/node_modules/.bin:$PATH"
OUT="${OUT:-/tmp/edgeform-bench-compare}"
DURATION="${DURATION:-3}"
CONNECTIONS="${CONNECTIONS:-64}"
THREADS="${THREADS:-2}"
ROUNDS="${ROUNDS:-6}"
BASE="${BASE_PORT:-28280}"
ORIGIN=$BASE NGINX=$((BASE + 1)) REF_PORT=$((BASE + 2)) REF_ADMIN=$((BASE + 3)) HERE_PORT=$((BASE + 4)) HERE_ADMIN=$((BASE + 5))

for tool in nginx wrk node git curl; do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install nginx wrk curl)" >&2; exit 2; }
done
[ -f "$ROOT/dist/src/proxy/main.js" ] || { echo "build first: npm run build" >&2; exit 2; }

rm -rf "$OUT" && mkdir -p "$OUT/ref"
# shellcheck source=bench/proxy/processes.sh
. "$ROOT/bench/proxy/processes.sh"

echo "building $REF ($(git -C "$ROOT" rev-parse --short "$REF")) in $OUT/ref" >&2
git -C "$ROOT" archive "$REF" | tar -x -C "$OUT/ref"
ln -s "$ROOT/node_modules" "$OUT/ref/node_modules"
(cd "$OUT/ref" && tsc -p tsconfig.json)

# shellcheck source=bench/proxy/nginx-conf.sh
. "$ROOT/bench/proxy/nginx-conf.sh"
# shellcheck source=bench/proxy/cpu-ticks.sh
. "$ROOT/bench/proxy/cpu-ticks.sh"
# shellcheck source=bench/proxy/edge-config.sh
. "$ROOT/bench/proxy/edge-config.sh"

# shellcheck source=bench/proxy/wait-for.sh
. "$ROOT/bench/proxy/wait-for.sh"

nginx_conf "$OUT/origin" "server { listen 127.0.0.1:$ORIGIN; location / { return 200 \"ok\n\"; } }"
nginx_conf "$OUT/nginx" "upstream origin { server 127.0.0.1:$ORIGIN; keepalive 64; }
  server { listen 127.0.0.1:$NGINX; location / { proxy_pass http://origin; proxy_http_version 1.1; proxy_set_header Connection \"\"; } }"
edge_config "$REF_PORT" "$REF_ADMIN" "$OUT/ref.json"
edge_config "$HERE_PORT" "$HERE_ADMIN" "$OUT/here.json"
declare -A PID PORT=([nginx]=$NGINX [ref]=$REF_PORT [here]=$HERE_PORT)
node "$OUT/ref/dist/src/proxy/main.js" --config "$OUT/ref.json" --workers 1 > "$OUT/ref.log" 2>&1 &
PIDS+=($!) && PID[ref]=$!
node "$ROOT/dist/src/proxy/main.js" --config "$OUT/here.json" --workers 1 > "$OUT/here.log" 2>&1 &
PIDS+=($!) && PID[here]=$!
for p in nginx ref here; do wait_for "http://127.0.0.1:${PORT[$p]}/"; done
PID[nginx]=$(cat "$OUT/nginx/nginx.pid")

echo "wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s, $ROUNDS interleaved round(s), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
: > "$OUT/samples.tsv"
for round in $(seq 1 "$ROUNDS"); do
  for p in nginx ref here; do
    url="http://127.0.0.1:${PORT[$p]}/"
    wrk -t"$THREADS" -c"$CONNECTIONS" -d1s "$url" > /dev/null
    before=$(tree_ticks "${PID[$p]}")
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" "$url" > "$OUT/wrk-$p.txt"
    after=$(tree_ticks "${PID[$p]}")
    rps=$(awk '/^Requests\/sec/ {print $2}' "$OUT/wrk-$p.txt")
    requests=$(awk '/requests in/ {print $1}' "$OUT/wrk-$p.txt")
    cpu_us=$(awk -v t=$((after - before)) -v hz="$HZ" -v n="$requests" 'BEGIN { printf "%.1f", (n > 0 ? t * 1e6 / hz / n : 0) }')
    printf '%s\t%s\t%s\n' "$p" "$rps" "$cpu_us" >> "$OUT/samples.tsv"
    printf '  round %s  %-6s %10s req/s  cpu %5s µs/req\n' "$round" "$p" "$rps" "$cpu_us" >&2
  done
done

node - "$OUT/samples.tsv" "$REF" <<'JS'
const fs = require("node:fs");
const [file, ref] = process.argv.slice(2);
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor((s.length - 1) / 2)]; };
const by = {};
for (const [peer, rps, cpu] of fs.readFileSync(file, "utf8").trim().split("\n").map((l) => l.split("\t"))) {
  const s = (by[peer] ??= { rps: [], cpu: [] });
  s.rps.push(Number(rps));
  s.cpu.push(Number(cpu));
}
const m = Object.fromEntries(Object.entries(by).map(([p, s]) => [p, { rps: median(s.rps), cpu: median(s.cpu) }]));
console.log(`\npeer     req/s   cpu µs/req   (medians; ref = ${ref}, here = this tree)`);
for (const [p, v] of Object.entries(m)) console.log(`${p.padEnd(6)} ${String(Math.round(v.rps)).padStart(7)}   ${v.cpu.toFixed(1).padStart(6)}`);
console.log(`\nCPU per request, nginx / ref   ${(m.nginx.cpu / m.ref.cpu).toFixed(2)}×`);
console.log(`CPU per request, nginx / here  ${(m.nginx.cpu / m.here.cpu).toFixed(2)}×`);
console.log(`CPU per request, here / ref    ${(m.here.cpu / m.ref.cpu).toFixed(2)}×   (above 1: this tree costs more per request)`);
console.log(`req/s, here / ref              ${(m.here.rps / m.ref.rps).toFixed(2)}×`);
JS
