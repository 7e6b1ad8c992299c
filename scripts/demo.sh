#!/usr/bin/env bash
# The main job: `jwtx bench --quick` on the built-in workload (generated RSA/P-256/Ed25519/HMAC
# keys; 60 % RS256, 25 % ES256, 10 % EdDSA, 5 % HS256; 5 % invalid tokens of eight kinds; Zipf
# popularity over 5000 tokens and a 1024-entry cache): verdict table, closed-loop throughput per
# worker count, open-loop latency up to saturation, and the cores needed for an example target.
# The build is quiet (its output goes to build-release/demo-build.log, shown only if it fails).
# Usage: scripts/demo.sh [more `jwtx bench` flags, e.g. --duration 2 --json build-release/b.json]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
mkdir -p build-release
log=build-release/demo-build.log
if ! { cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release -DJWTX_TESTS=OFF &&
       cmake --build build-release --target jwtx_cli; } >"$log" 2>&1; then
  cat "$log" >&2
  echo "demo.sh: the build failed (log above, also in $log)" >&2
  exit 2
fi
exec build-release/jwtx bench --quick --target-rps 50000 --p99-ms 5 \
  --svg build-release/capacity.svg "$@"
