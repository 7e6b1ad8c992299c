// jwtx::mpmc_ring against oneTBB's queues (Google Benchmark): the choice of queue in front of the
// pipeline (issue 10) is made on these figures.
//
// Each iteration is one try_push followed by one try_pop on a queue shared by all benchmark
// threads (1 and 2), so with 2 threads producers and consumers contend on both ends, as submit()
// callers and pipeline workers will. Reported time is per push+pop pair. The payload is 8 bytes:
// the queue's own cost, not a copy. tbb::concurrent_queue is unbounded (it cannot answer
// `overloaded` by itself) and is measured only as a reference point.
#include <benchmark/benchmark.h>
#include <tbb/concurrent_queue.h>

#include <cstdint>

#include "engine/runtime/mpmc_ring.h"

namespace {

constexpr std::size_t kCapacity = 1024;

struct jwtx_ring {
  jwtx::mpmc_ring<std::uint64_t> q{kCapacity};
  bool push(std::uint64_t v) { return q.try_push(v); }
  bool pop(std::uint64_t& v) { return q.try_pop(v); }
};

struct tbb_bounded {
  tbb::concurrent_bounded_queue<std::uint64_t> q;
  tbb_bounded() { q.set_capacity(kCapacity); }
  bool push(std::uint64_t v) { return q.try_push(v); }
  bool pop(std::uint64_t& v) { return q.try_pop(v); }
};

struct tbb_unbounded {
  tbb::concurrent_queue<std::uint64_t> q;
  bool push(std::uint64_t v) {
    q.push(v);
    return true;
  }
  bool pop(std::uint64_t& v) { return q.try_pop(v); }
};

template <class Queue>
void BM_PushPop(benchmark::State& state) {
  static Queue queue;  // shared by the benchmark's threads; never more than #threads items in it
  std::uint64_t v = static_cast<std::uint64_t>(state.thread_index());
  for (auto _ : state) {
    while (!queue.push(v)) {
    }
    // Another thread may have taken our item, and a claimed-but-unpublished slot reads as empty
    // for an instant: retry until an item comes (there is always one per pending push).
    while (!queue.pop(v)) {
    }
    benchmark::DoNotOptimize(v);
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_PushPop<jwtx_ring>)->Name("BM_PushPop/jwtx_mpmc_ring")->Threads(1)->Threads(2);
BENCHMARK(BM_PushPop<tbb_bounded>)
    ->Name("BM_PushPop/tbb_concurrent_bounded_queue")
    ->Threads(1)
    ->Threads(2);
BENCHMARK(BM_PushPop<tbb_unbounded>)
    ->Name("BM_PushPop/tbb_concurrent_queue")
    ->Threads(1)
    ->Threads(2);

}  // namespace

BENCHMARK_MAIN();
