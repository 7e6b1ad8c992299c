// revocation_set::contains() cost for absent and present jtis at 0, 1k and 100k entries, 1 and
// 2 threads (Google Benchmark). Absent jtis are the common case (almost no token is revoked) and
// should be answered by the Bloom filter alone; present ones pay the exact probe as well.
// BM_LoadLines / BM_ReplaceAll: the bulk paths (a --revoked-jti file, a feed's full load) at 1k,
// 100k and 1M jtis, each into a fresh set in one publication.
#include <benchmark/benchmark.h>

#include <array>
#include <cstddef>
#include <string>
#include <vector>

#include "engine/revocation/revocation.h"

namespace {

constexpr double kExp = 2'000'000'000;
constexpr std::size_t kProbes = 4096;  // distinct jtis cycled through by each benchmark

// A UUID-like jti, 36 bytes, as most issuers use.
std::string jti(const char* prefix, std::size_t i) {
  std::string s = prefix + std::to_string(i);
  s.resize(36, 'x');
  return s;
}

// One set per size, filled once and shared by all threads.
const jwtx::revocation_set& set_of(std::size_t entries) {
  static const std::array<jwtx::revocation_set*, 3> sets = [] {
    std::array<jwtx::revocation_set*, 3> out{};
    const std::size_t sizes[] = {0, 1000, 100'000};
    for (std::size_t k = 0; k < 3; ++k) {
      out[k] = new jwtx::revocation_set();
      std::vector<jwtx::revocation_entry> all;
      for (std::size_t i = 0; i < sizes[k]; ++i) all.push_back({jti("revoked-", i), kExp});
      out[k]->add_many(all);
    }
    return out;
  }();
  return *sets[entries == 0 ? 0 : entries == 1000 ? 1 : 2];
}

std::vector<std::string> probes(const char* prefix, std::size_t modulo) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < kProbes; ++i) out.push_back(jti(prefix, modulo ? i % modulo : i));
  return out;
}

void BM_ContainsAbsent(benchmark::State& state) {
  const jwtx::revocation_set& s = set_of(static_cast<std::size_t>(state.range(0)));
  static const std::vector<std::string> absent = probes("absent-", 0);
  std::size_t i = static_cast<std::size_t>(state.thread_index()) * 997, found = 0;
  for (auto _ : state) found += s.contains(absent[i++ % kProbes]);
  if (found != 0) state.SkipWithError("absent jti reported revoked");
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ContainsAbsent)
    ->Arg(0)
    ->Arg(1000)
    ->Arg(100'000)
    ->Threads(1)
    ->Threads(2)
    ->UseRealTime();

void BM_ContainsPresent(benchmark::State& state) {
  const auto entries = static_cast<std::size_t>(state.range(0));
  const jwtx::revocation_set& s = set_of(entries);
  static const std::vector<std::string> present1k = probes("revoked-", 1000);
  static const std::vector<std::string> present100k = probes("revoked-", 0);
  const std::vector<std::string>& present = entries == 1000 ? present1k : present100k;
  std::size_t i = static_cast<std::size_t>(state.thread_index()) * 997, found = 0;
  for (auto _ : state) found += s.contains(present[i++ % kProbes]);
  if (found != static_cast<std::size_t>(state.iterations())) state.SkipWithError("missed");
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ContainsPresent)->Arg(1000)->Arg(100'000)->Threads(1)->Threads(2)->UseRealTime();

// A --revoked-jti file's contents: |n| UUID-like jtis, one a line.
const std::string& file_of(std::size_t n) {
  static std::string texts[3];
  std::string& text = texts[n <= 1000 ? 0 : n <= 100'000 ? 1 : 2];
  if (text.empty()) {
    for (std::size_t i = 0; i < n; ++i) text += jti("revoked-", i) + "\n";
  }
  return text;
}

void BM_LoadLines(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const std::string& text = file_of(n);
  for (auto _ : state) {
    jwtx::revocation_set s;
    if (s.source("file").add_lines(text) != n || s.size() != n) state.SkipWithError("lost jtis");
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_LoadLines)->Arg(1000)->Arg(100'000)->Arg(1'000'000)->Unit(benchmark::kMillisecond);

void BM_ReplaceAll(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  std::vector<jwtx::revocation_entry> all;
  for (std::size_t i = 0; i < n; ++i) all.push_back({jti("revoked-", i), kExp});
  jwtx::revocation_set s;
  std::string other;
  for (std::size_t i = 0; i < 1000; ++i) other += jti("file-", i) + "\n";
  s.source("file").add_lines(other);  // another source, kept through every reload
  for (auto _ : state) {
    s.source("redis").replace_all(all, kExp - 60);
    if (s.size() != n + 1000) state.SkipWithError("lost jtis");
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_ReplaceAll)->Arg(1000)->Arg(100'000)->Arg(1'000'000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
