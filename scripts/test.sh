#!/bin/sh
# Runs every test. Installs what the tests need on a fresh Debian machine
# (as root): redis-server for the cache tier, prometheus for promtool,
# prometheus-alertmanager for amtool and alert delivery, and docker.io for
# the end-to-end test, then builds and runs `node --test`.
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
command -v amtool >/dev/null 2>&1 || missing="$missing prometheus-alertmanager"
if [ "${EDGEFORM_SKIP_DOCKER:-}" != "1" ]; then
  command -v dockerd >/dev/null 2>&1 || missing="$missing docker.io"
fi
if [ -n "$missing" ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Debian packages the tests need:$missing" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2 || true
    # --no-install-recommends keeps the install small; the prometheus package
    # would otherwise start its own service, which the tests do not want.
    apt-get install -y -qq --no-install-recommends $missing >&2
    # prometheus-alertmanager may start its service too; the tests run their own. Stopped as a service, never by process name.
    (systemctl stop prometheus-alertmanager 2>/dev/null || service prometheus-alertmanager stop 2>/dev/null || true)
    (systemctl stop prometheus redis-server 2>/dev/null || true)
    (pkill -x prometheus 2>/dev/null || true)
  else
    echo "missing test dependencies:$missing (install them as root with apt-get)" >&2
  fi
fi

npm run --silent build

# Tests start their own servers on 127.0.0.1; Docker tests start dockerd themselves.
node --test --test-reporter=./dist/test/support/reporter.js --test-timeout=600000 \
  "dist/test/**/*.test.js" ${EDGEFORM_TEST_FILTER:+--test-name-pattern="$EDGEFORM_TEST_FILTER"}
