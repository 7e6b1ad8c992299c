#!/usr/bin/env bash
# Runs the micro-benchmark suite (jwtx_micro_bench: base64url kernels, JSON parse, per-algorithm
# verify, cache hit, pipeline batch scaling) and writes Google Benchmark JSON, for
# bench/compare_runs.py to compare with another run as ratios:
#   bench/micro.sh -o base.json; (change things); bench/micro.sh -o new.json
#   bench/compare_runs.py base.json new.json [--threshold 10] [--fail-on-regression]
# Usage: bench/micro.sh [-o OUT.json] [-r REPETITIONS] [-f FILTER_REGEX] [-t MIN_TIME_S]
#                       [-b BUILD_DIR] [-v]
#   -o  output file (default micro-<UTC time>.json in the current directory)
#   -r  --benchmark_repetitions (compare_runs.py then uses the medians); default 1
#   -f  --benchmark_filter, e.g. 'BM_Verify/|BM_Stage_Parse|BM_decode'
#   -t  --benchmark_min_time in seconds per benchmark (default: the suite's 0.1)
#   -b  build tree, relative to the repository (default build-release, the one scripts/demo.sh
#       configures; an existing tree, e.g. a RelWithDebInfo one, is used as configured)
#   -v  also print the JSON on stdout
# The build is quiet unless it fails. Exit 2 on bad usage.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"

out="micro-$(date -u +%Y%m%dT%H%M%SZ).json"
build=build-release
args=()
verbose=0
usage() { sed -n '7,15p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while getopts "o:r:f:t:b:vh" opt; do
  case "$opt" in
    o) out="$OPTARG" ;;
    r) [[ "$OPTARG" =~ ^[1-9][0-9]*$ ]] || usage; args+=("--benchmark_repetitions=$OPTARG") ;;
    f) args+=("--benchmark_filter=$OPTARG") ;;
    t) [[ "$OPTARG" =~ ^[0-9]*\.?[0-9]+$ ]] || usage; args+=("--benchmark_min_time=$OPTARG") ;;
    b) build="$OPTARG" ;;
    v) verbose=1 ;;
    *) usage ;;
  esac
done
shift $((OPTIND - 1))
(($# == 0)) || usage
out="$(realpath -m "$out")"  # relative to the caller's directory, before the cd
cd "$repo"

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if [[ ! -f "$build/CMakeCache.txt" ]]; then
  scripts/deps.sh
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DJWTX_TESTS=OFF >"$log" 2>&1 ||
    { cat "$log" >&2; echo "micro.sh: configure failed" >&2; exit 1; }
fi
cmake --build "$build" --target jwtx_micro_bench >"$log" 2>&1 ||
  { cat "$log" >&2; echo "micro.sh: build failed" >&2; exit 1; }

stdout=/dev/null
((verbose)) && stdout=/dev/stdout
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
echo "micro.sh: running jwtx_micro_bench ${args[*]} (load average: $(loadavg))" >&2
"$build/bench/jwtx_micro_bench" --benchmark_format=json --benchmark_out="$out" \
  --benchmark_out_format=json "${args[@]}" >"$stdout"
count=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["benchmarks"]))' "$out")
echo "micro.sh: $count results in $out (load average after: $(loadavg))" >&2
