#!/bin/sh
# Runs every test. Installs what the tests need on a fresh Debian machine
# (as root): redis-server for the cache tier, prometheus for promtool,
# prometheus-alertmanager for amtool and alert delivery, curl and openssl for
# the TLS tests, pebble (a test-only ACME server) for the ACME tests, and docker.io for the end-to-end test, then builds and runs `node --test`.
# Run it through `npm test`, which puts the project's Node 22 on PATH.
set -eu
cd "$(dirname "$0")/.."

need_node22() {
  major=$(node -p 'process.versions.node.split(".")[0]')
  if [ "$major" -lt 22 ]; then
    echo "tests need Node 22; run them with \`npm test\` (it uses the project's node@22)" >&2
    exit 2
  fi
}
need_node22

missing=""
command -v redis-server >/dev/null 2>&1 || missing="$missing redis-server"
command -v promtool >/dev/null 2>&1 || missing="$missing prometheus"
# TLS tests drive real clients against the proxy.
command -v curl >/dev/null 2>&1 || missing="$missing curl"
command -v openssl >/dev/null 2>&1 || missing="$missing openssl"
command -v amtool >/dev/null 2>&1 || missing="$missing prometheus-alertmanager"
# ACME tests run pebble and its pebble-challtestsrv (fake DNS) on loopback.
command -v pebble >/dev/null 2>&1 || missing="$missing pebble"
if [ "${EDGEFORM_SKIP_DOCKER:-}" != "1" ]; then
  command -v dockerd >/dev/null 2>&1 || missing="$missing docker.io"
fi
if [ -n "$missing" ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Debian packages the tests need:$missing" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2 || true
    # --no-install-recommends keeps the install small.
    apt-get install -y -qq --no-install-recommends $missing >&2
    # The packages start their own services, which the tests do not want (they
    # start their own servers). Stop only the services of packages installed
    # just now, through the service manager: anything else on this machine,
    # another Prometheus or Redis included, is left alone.
    for service in prometheus prometheus-alertmanager redis-server; do
      case " $missing " in
        *" $service "*) (systemctl stop "$service" 2>/dev/null || service "$service" stop 2>/dev/null || true) >&2 ;;
      esac
    done
  else
    echo "missing test dependencies:$missing (install them as root with apt-get)" >&2
  fi
fi

npm run --silent build

# Tests start their own servers on 127.0.0.1; Docker tests start dockerd themselves.
# Each run's output streams as it comes and is kept, so one line can add the runs up.
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
status=0
run() { # name, then the node --test arguments
  name=$1; shift
  # node writes into a fifo that tee copies to the screen and the log, so node's
  # own exit status is read right here (set -e would skip any line after a
  # failing node inside a pipeline, and POSIX sh has no PIPESTATUS).
  mkfifo "$out/$name.pipe"
  tee "$out/$name.log" < "$out/$name.pipe" &
  copier=$!
  # EDGEFORM_TEST_FILTER (a regular expression) runs only the tests whose names match. node:test
  # runs the hooks of a file whose tests all filtered out inconsistently (a `before` that starts
  # a server without the `after` that stops it), which would keep that file running: force
  # filtered files to exit. A full run keeps its strictness: a leaked handle still shows there.
  [ -z "${EDGEFORM_TEST_FILTER:-}" ] || set -- "--test-name-pattern=$EDGEFORM_TEST_FILTER" --test-force-exit "$@"
  code=0
  node --test --test-reporter=./dist/test/support/reporter.js --test-timeout=600000 "$@" > "$out/$name.pipe" 2>&1 || code=$?
  wait "$copier"
  [ "$code" = 0 ] || { status=1; echo "the $name run exited with $code" >&2; }
}

run all "dist/test/**/*.test.js"

# The proxy's fast paths rest on Node internals (http1/llhttp.ts: the llhttp
# binding and socket handle controls) and have supported fallbacks: run the
# request-path suites (proxy, the proxy's cache path) on the fallbacks too, so
# a Node upgrade that breaks a fast path costs speed, never correctness.
EDGEFORM_CLIENT_SERVER=node EDGEFORM_UPSTREAM_CLIENT=undici run fallbacks "dist/test/proxy/*.test.js" "dist/test/cache/proxy-cache.test.js"

passed=0 failed=0
for name in all fallbacks; do
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$out/$name.log" | tail -n 1)
  [ -n "$line" ] || { line="0 passed, 1 failed"; echo "the $name run printed no summary" >&2; }
  passed=$((passed + ${line%% passed*}))
  f=${line#*passed, }; failed=$((failed + ${f%% failed}))
done
echo "total: $passed passed, $failed failed"
exit $status
