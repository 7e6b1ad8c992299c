#!/usr/bin/env bash
# The main job: the demo capacity benchmark on the built-in key set and token mix: verdict table,
# tokens/s per algorithm, then the pipeline table (jwtx::batch_pipeline on every core: tokens/s
# through submit() vs the direct verifier::verify loop, and open-loop latency p50/p90/p99/p99.9 at
# 70 % of that rate with a 50 us and a 0 us batch deadline). About a minute.
# Usage: scripts/demo.sh [jwtx_capacity flags, e.g. --threads 2 --seconds-per-alg 1 --workers 2]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release -DJWTX_TESTS=OFF >/dev/null
cmake --build build-release --target jwtx_capacity jwtx_cli
exec build-release/bench/jwtx_capacity "$@"
