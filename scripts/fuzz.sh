#!/usr/bin/env bash
# CI fuzzing: every libFuzzer target (fuzz/fuzz_*.cc) for SECONDS each (default 60), two at a
# time, built by fuzz/run.sh into build-fuzz/ (clang-14, ASan+UBSan). Fails if any target fails to
# build, crashes, leaks, times out or runs out of memory, printing the reproducer's path
# (build-fuzz/artifacts/<target>/) and the end of the target's log (build-fuzz/logs/ci/).
# A reproducer, once fixed, belongs in tests/fuzz_regressions/<target>/.
# Usage: scripts/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
jobs=2
scripts/deps.sh clang-14 libclang-rt-14-dev llvm-14

logs=build-fuzz/logs/ci
mkdir -p "$logs"
targets=()
for source in fuzz/fuzz_*.cc; do
  targets+=("$(basename "$source" .cc)")
done

declare -A running=()  # pid -> target
failed=()
# On an early exit (error, Ctrl-C), stop the targets still running.
trap 'for pid in "${!running[@]}"; do kill "$pid" 2>/dev/null || true; done' EXIT

# Reaps one finished target and reports it.
reap() {
  local pid=0 status=0
  wait -n -p pid || status=$?
  local target=${running[$pid]}
  unset "running[$pid]"
  local log=$logs/$target.log
  if ((status == 0)); then
    local runs
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    echo "fuzz: $target ok, ${runs:-?} runs"
    return
  fi
  failed+=("$target")
  {
    echo "fuzz: $target FAILED (exit $status), log $log"
    tail -n 60 "$log"
    sed -n 's/^.*Test unit written to /fuzz: reproducer: /p' "$log"
  } >&2
}

for target in "${targets[@]}"; do
  while ((${#running[@]} >= jobs)); do reap; done
  echo "fuzz: $target for ${seconds}s"
  fuzz/run.sh "$target" "$seconds" >"$logs/$target.log" 2>&1 &
  running[$!]=$target
done
while ((${#running[@]} > 0)); do reap; done

if ((${#failed[@]})); then
  echo "fuzz: failed: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: ${#targets[@]} targets, no findings"
