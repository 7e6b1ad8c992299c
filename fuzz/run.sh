#!/usr/bin/env bash
# Usage: fuzz/run.sh TARGET SECONDS [extra libFuzzer args...]
# Builds TARGET into build-fuzz/ (configuring it first if needed), then fuzzes it on
# fuzz/corpus/TARGET with fuzz/jwtx.dict for SECONDS. New inputs go to build-fuzz/corpus/TARGET
# (the checked-in seeds stay untouched); crash reproducers go to build-fuzz/artifacts/TARGET/.
# Exits non-zero if the target crashes or the build fails.
set -euo pipefail

if [[ $# -lt 2 ]]; then
  echo "usage: $0 TARGET SECONDS [libFuzzer args...]" >&2
  exit 2
fi
target=$1
seconds=$2
shift 2

root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build-fuzz
cxx=${CXX:-clang++-14}

# Configure and build under a lock: scripts/fuzz.sh and long campaigns run several targets at once
# on the same build directory.
mkdir -p "$build"
(
  flock 9
  if [[ ! -f $build/build.ninja ]]; then
    # -O1 -g1: libFuzzer's usual optimisation; instrumented code compiles twice as fast as -O2 -g.
    cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG" \
      -DCMAKE_CXX_COMPILER="$cxx" -DJWTX_FUZZ=ON -DJWTX_SANITIZE=address,undefined \
      -DJWTX_TESTS=OFF -DJWTX_BENCH=OFF -DJWTX_TOOLS=OFF
  fi
  cmake --build "$build" -j "$(nproc)" --target "$target"
) 9>"$build/.build.lock"

seeds=$root/fuzz/corpus/$target
work=$build/corpus/$target
artifacts=$build/artifacts/$target
mkdir -p "$work" "$artifacts"

exec "$build/fuzz/$target" "$work" "$seeds" -dict="$root/fuzz/jwtx.dict" \
  -max_total_time="$seconds" -artifact_prefix="$artifacts/" -print_final_stats=1 "$@"
