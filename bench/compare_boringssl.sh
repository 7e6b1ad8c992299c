#!/usr/bin/env bash
# BoringSSL built from Debian's source package (what jwtx links by default) against Debian's
# binary android-libboringssl, on the same raw primitives, in one run: the two builds of
# bench/crypto_primitives_bench.cc, one process each, one after the other, then a ratio table
# (ratio = system ns / source ns: above 1 means the source build is faster).
# Usage: bench/compare_boringssl.sh [build-dir] [extra Google Benchmark flags...]
set -euo pipefail
build=${1:-build}
shift || true
for b in jwtx_primitives_bench jwtx_primitives_bench_system; do
  [ -x "$build/bench/$b" ] || {
    echo "compare_boringssl: $build/bench/$b missing (a JWTX_BORINGSSL=source build with" \
      "android-libboringssl-dev installed: cmake --build $build --target $b)" >&2
    exit 1
  }
done
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$build/bench/jwtx_primitives_bench_system" --benchmark_format=csv "$@" >"$out/system.csv" 2>/dev/null
"$build/bench/jwtx_primitives_bench" --benchmark_format=csv "$@" >"$out/source.csv" 2>/dev/null
# Targets from issue 11: P-256 verify >= 2.5x, nothing below 0.97x.
awk -F, '
  FNR == 1 { file++ }
  $1 ~ /^"BM_/ { gsub(/"/, "", $1); ns[file, $1] = $4; if (file == 1) order[++n] = $1 }
  END {
    printf "%-22s %12s %12s %8s %8s\n", "primitive", "system_ns", "source_ns", "ratio", "target"
    for (i = 1; i <= n; i++) {
      name = order[i]; s = ns[1, name]; o = ns[2, name]
      target = 0.97
      if (name == "BM_Verify/ES256") target = 2.5
      ratio = 0
      if (o > 0) ratio = s / o
      verdict = ""
      if (ratio < target) verdict = "  BELOW TARGET"
      printf "%-22s %12.0f %12.0f %7.2fx %7.2fx%s\n", name, s, o, ratio, target, verdict
    }
  }' "$out/system.csv" "$out/source.csv"
