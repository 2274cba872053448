# edge_config PORT ADMIN-PORT FILE [ROUTES-JSON] [LISTENER-TLS-JSON]: writes the
# edgeform proxy config the proxy benchmarks measure (one listener, the origin
# at 127.0.0.1:$ORIGIN, no cache, no access log); with LISTENER-TLS-JSON the
# listener terminates TLS. Sourced by run.sh, compare.sh and https.sh so all
# measure the same proxy setup.
# One route for `match` ({"pathPrefix":"/"} by default) to the origin.
edge_route() { # name, match
  printf '{ "name": "%s", "listeners": ["web"], "match": %s, "cluster": "origin", "balancer": { "algorithm": "round-robin" }, "retry": { "attempts": 1, "on": ["connect-failure"] }, "timeouts": { "connectMs": 2000, "responseMs": 30000, "idleMs": 60000 } }' "$1" "$2"
}
edge_config() { # port, admin port, file[, routes JSON array (empty: one route)[, listener tls JSON]]
  local tls_member=""
  [ -n "${5:-}" ] && tls_member=", \"tls\": $5"
  cat > "$3" <<CONF
{
  "version": 1, "name": "bench",
  "listeners": [{ "name": "web", "protocol": "http", "host": "127.0.0.1", "port": $1$tls_member }],
  "routes": ${4:-[$(edge_route all '{ "pathPrefix": "/" }')]},
  "clusters": [{ "name": "origin", "discovery": { "type": "static", "endpoints": [{ "host": "127.0.0.1", "port": $ORIGIN, "weight": 1 }] },
    "outlier": { "consecutive5xx": 5, "consecutiveConnectFailures": 3, "baseEjectionMs": 30000, "maxEjectionMs": 300000, "panicThreshold": 50 } }],
  "caches": [], "admin": { "host": "127.0.0.1", "port": $2 },
  "limits": { "headerTimeoutMs": 10000, "requestTimeoutMs": 60000, "maxHeaderBytes": 16384, "keepAliveTimeoutMs": 60000 },
  "trustedProxies": [], "retryBudget": { "ratio": 0.2, "minPerSecond": 10 }, "accessLog": false
}
CONF
}
