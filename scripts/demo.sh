#!/usr/bin/env bash
# The main job: the demo capacity benchmark on the built-in key set and token mix.
# Usage: scripts/demo.sh [jwtx_capacity flags, e.g. --threads 2 --seconds-per-alg 1]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release -DJWTX_TESTS=OFF >/dev/null
cmake --build build-release --target jwtx_capacity jwtx_cli
exec build-release/bench/jwtx_capacity "$@"
