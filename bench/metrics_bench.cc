// The costs the server pays for metrics: a counter increment and a histogram observation per
// request (1 and 2 threads on the same series: the contended case), and one /metrics render of a
// registry shaped like a server's (every status name x 3 providers, a latency histogram each).
#include <benchmark/benchmark.h>

#include <string>

#include "engine/runtime/metrics.h"

namespace {

jwtx::metrics::registry& shared_registry() {
  static jwtx::metrics::registry r;
  return r;
}

void BM_CounterInc(benchmark::State& state) {
  static jwtx::metrics::counter* c = shared_registry().add_counter("c_total", "c", {});
  for (auto _ : state) c->inc();
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CounterInc)->Threads(1)->Threads(2);

void BM_HistogramObserve(benchmark::State& state) {
  static jwtx::metrics::histogram* h = shared_registry().add_histogram(
      "h_seconds", "h", {}, jwtx::metrics::default_latency_buckets());
  double v = 0.00003;
  for (auto _ : state) {
    h->observe(v);
    v = v < 1 ? v * 1.7 : 0.00003;  // walk the buckets
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HistogramObserve)->Threads(1)->Threads(2);

void BM_Render(benchmark::State& state) {
  jwtx::metrics::registry r;
  for (const char* provider : {"idp-a", "idp-b", "idp-c"}) {
    for (int s = 0; s < 40; ++s) {
      r.add_counter("jwtx_verdicts_total", "Verdicts.",
                    {{"status", "status_" + std::to_string(s)}, {"provider", provider}})
          ->inc(static_cast<std::uint64_t>(s) * 1000);
    }
    r.add_histogram("jwtx_request_seconds", "Latency.", {{"provider", provider}},
                    jwtx::metrics::default_latency_buckets())
        ->observe(0.0002);
  }
  std::size_t bytes = 0;
  for (auto _ : state) {
    std::string text = r.render();
    bytes = text.size();
    benchmark::DoNotOptimize(text.data());
  }
  state.counters["bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_Render);

}  // namespace

BENCHMARK_MAIN();
