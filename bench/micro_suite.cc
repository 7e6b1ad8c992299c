// jwtx_micro_bench — every micro-benchmark that guards the engine's speed, in one program, so one
// --benchmark_format=json run can be compared with another (bench/micro.sh runs it,
// bench/compare_runs.py compares two runs as ratios). The benchmarks themselves live in their own
// files (bench/micro_suite.h lists them): base64url kernels, JSON parse (BM_Stage_Parse),
// per-algorithm verify, cache hit, pipeline batch scaling. The per-program summary tables are not
// printed here (the JSON is the output). Unless --benchmark_min_time is given, each benchmark runs
// for 0.1 s.
#include "bench/micro_suite.h"

#include <benchmark/benchmark.h>

#include "bench/benchmark_init.h"

int main(int argc, char** argv) {
  if (!jwtx::bench::initialize_benchmark(argc, argv, 0.1)) return 2;
  if (!jwtx::bench::register_verify_benchmarks()) return 1;
  if (!jwtx::bench::register_pipeline_benchmarks()) return 1;
  jwtx::bench::register_verify_cache_benchmarks();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
