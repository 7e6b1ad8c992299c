#!/usr/bin/env bash
# Line coverage of engine/ from the unit tests and the fuzz corpora. Builds build-cov/ with clang-14
# source-based coverage (-DJWTX_COVERAGE=ON), runs ctest (unit tests, CLI tests, replay of the
# checked-in corpora and regressions), then the replay_* executables over the corpora grown by
# fuzzing (build-fuzz/corpus/<target>, where present). Merges the profiles, prints llvm-cov's
# per-file report for engine/ (tests/, fuzz/, tools/, bench/ and system headers excluded), writes
# an HTML report to build-cov/html/ and ends with the engine/ TOTAL line coverage.
# Exits non-zero if a test or replay fails (the report is still printed).
# Usage: scripts/coverage.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=$root/build-cov
scripts/deps.sh clang-14 libclang-rt-14-dev llvm-14

cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++-14 \
  -DJWTX_COVERAGE=ON -DJWTX_BENCH=OFF >/dev/null
cmake --build "$build" -j "$(nproc)"

profiles=$build/profiles
rm -rf "$profiles"
mkdir -p "$profiles"
export LLVM_PROFILE_FILE=$profiles/%p.profraw
status=0
ctest --test-dir "$build" --output-on-failure -j "$(nproc)" >"$build/ctest.log" 2>&1 || status=1
tail -n 3 "$build/ctest.log"
((status == 0)) || { grep -A200 'tests failed' "$build/ctest.log" >&2 || true; }

objects=()
for exe in "$build"/tests/replay_fuzz_*; do
  objects+=("$exe")
  target=${exe##*/replay_}
  grown=$root/build-fuzz/corpus/$target
  [[ -d $grown ]] || continue
  echo -n "coverage: $target grown corpus: "
  "$exe" "$grown" 2>&1 | tail -n 1 || status=1
done
for exe in "$build"/tests/jwtx_tests "$build"/tests/jwtx_alloc_tests "$build"/jwtx; do
  [[ -x $exe ]] && objects+=("$exe")
done

find "$profiles" -name '*.profraw' >"$build/profiles.list"
llvm-profdata-14 merge -sparse -f "$build/profiles.list" -o "$build/merged.profdata"

# Every binary links the same libjwtx.a; llvm-cov merges their counts per source line. Its
# "functions have mismatched data" warning is about names with different bodies in different
# binaries (main, LLVMFuzzerTestOneInput): expected, and engine/ code has one body.
exclude='(^|/)(tests|fuzz|tools|bench)/|^/usr/'
args=(-instr-profile="$build/merged.profdata" -ignore-filename-regex="$exclude")
for exe in "${objects[@]:1}"; do args+=(-object "$exe"); done
llvm-cov-14 show "${objects[0]}" "${args[@]}" -format=html -output-dir="$build/html" "$root/engine"
llvm-cov-14 report "${objects[0]}" "${args[@]}" "$root/engine" | tee "$build/report.txt"
total=$(awk '$1 == "TOTAL" { print $10 }' "$build/report.txt")
echo "coverage: engine/ TOTAL line coverage ${total}"
echo "coverage: report $build/report.txt, html $build/html/index.html"
exit "$status"
