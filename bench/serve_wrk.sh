#!/usr/bin/env bash
# `jwtx serve` alone under wrk (Debian wrk): loopback, keep-alive, one cached ES256 token, a fixed
# duration. Starts the server on a free port in a temp dir, stops it with SIGTERM (exit 0 checked).
# Usage: bench/serve_wrk.sh [build-dir] [seconds] [connections]
# Prints wrk's summary (req/s, p50/p99). Not yet: the nginx -> sidecar -> upstream comparison.
set -euo pipefail
build=${1:-build}
seconds=${2:-5}
conns=${3:-50}
jwtx="$build/jwtx"
[ -x "$jwtx" ] || { echo "serve_wrk: $jwtx missing (cmake --build $build --target jwtx_cli)" >&2; exit 1; }
command -v wrk >/dev/null || { echo "serve_wrk: wrk missing (apt-get install wrk)" >&2; exit 1; }
dir=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT
"$jwtx" keygen --alg ES256 --kid bench --out-dir "$dir" >/dev/null
cat >"$dir/serve.yaml" <<YAML
providers:
  bench:
    issuer: https://issuer.example
    audiences: [api]
    algorithms: [ES256]
    local_jwks: {filename: $dir/bench.public.jwks.json}
    claim_to_headers: [{claim_name: sub, header_name: X-Jwt-Sub}]
YAML
token=$("$jwtx" mint --key "$dir/bench.private.jwk.json" --exp-in 3600 \
  --claims '{"iss":"https://issuer.example","aud":"api","sub":"bench"}')
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$jwtx" serve --listen "127.0.0.1:$port" --config "$dir/serve.yaml" >/dev/null 2>"$dir/err" &
pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.05; done
wrk -t1 -c"$conns" -d"${seconds}s" --latency -H "Authorization: Bearer $token" \
  "http://127.0.0.1:$port/auth" | grep -E 'Requests/sec|Latency|50%|99%|Non-2xx|errors'
kill -TERM "$pid"
wait "$pid" || { echo "serve_wrk: jwtx serve exited $?" >&2; cat "$dir/err" >&2; exit 1; }
pid=""
