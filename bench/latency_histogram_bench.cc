// latency_histogram costs the pipeline pays: record() per token on the worker, and on the read
// side merge_from() per worker plus value_at_percentile() per reported percentile.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "engine/runtime/latency_histogram.h"

namespace {

// Log-normal around 50 µs: the spread of a realistic service time, so record() touches many
// buckets (a constant value would measure a single hot cache line).
std::vector<std::uint64_t> sample_values(std::size_t n) {
  std::mt19937_64 rng(1);
  std::lognormal_distribution<double> d(std::log(50'000.0), 1.0);
  std::vector<std::uint64_t> v(n);
  for (auto& x : v) x = static_cast<std::uint64_t>(d(rng));
  return v;
}

void BM_Record(benchmark::State& state) {
  const auto values = sample_values(4096);
  jwtx::latency_histogram h;
  std::size_t i = 0;
  for (auto _ : state) {
    h.record(values[i++ & 4095]);
  }
  benchmark::DoNotOptimize(h.count());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Record);

void BM_StatusCountersAdd(benchmark::State& state) {
  jwtx::status_counters c;
  int i = 0;
  for (auto _ : state) {
    c.add(static_cast<jwtx::status>(i++ & 7));
  }
  benchmark::DoNotOptimize(c.snapshot().total());
}
BENCHMARK(BM_StatusCountersAdd);

void BM_MergeTwo(benchmark::State& state) {
  jwtx::latency_histogram a, b, into;
  for (std::uint64_t v : sample_values(100000)) a.record(v), b.record(v * 3);
  for (auto _ : state) {
    into.reset();
    into.merge_from(a);
    into.merge_from(b);
    benchmark::DoNotOptimize(into.count());
  }
}
BENCHMARK(BM_MergeTwo);

void BM_ValueAtPercentile(benchmark::State& state) {
  jwtx::latency_histogram h;
  for (std::uint64_t v : sample_values(100000)) h.record(v);
  const double p = static_cast<double>(state.range(0)) / 10.0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(h.value_at_percentile(p));
  }
}
BENCHMARK(BM_ValueAtPercentile)->Arg(500)->Arg(990)->Arg(999);

void BM_Summarize(benchmark::State& state) {
  jwtx::latency_histogram h;
  for (std::uint64_t v : sample_values(100000)) h.record(v);
  for (auto _ : state) {
    benchmark::DoNotOptimize(jwtx::summarize(h));
  }
}
BENCHMARK(BM_Summarize);

}  // namespace

BENCHMARK_MAIN();
