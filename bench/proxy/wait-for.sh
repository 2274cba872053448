# wait_for URL: returns once URL answers 200, or exits naming it after ~10 s.
# Certificates are not checked (the HTTPS benchmark generates its own).
# Sourced by the proxy benchmarks.
wait_for() {
  for _ in $(seq 1 100); do
    curl -fsSk -o /dev/null "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "nothing answers 200 at $1 (see $OUT)" >&2
  exit 1
}
