# Processes a proxy benchmark starts: append each PID to PIDS; on exit the
# trap stops them, and the nginx instances (daemons, found by the pid files
# nginx_conf writes under $OUT/origin and $OUT/nginx), by PID only.
# Sourced by run.sh, https.sh and compare.sh after $OUT exists.
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for d in origin nginx; do [ -f "$OUT/$d/nginx.pid" ] && kill "$(cat "$OUT/$d/nginx.pid")" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM
