// base64url decode/encode throughput per kernel (SetBytesProcessed counts encoded characters for
// decode and raw bytes for encode). Kernels this CPU cannot run are reported as skipped.
#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "engine/jws/base64url/base64url.h"

namespace {

namespace b64 = jwtx::base64url;
using b64::kernel;

std::vector<std::uint8_t> random_bytes(std::size_t n) {
  std::mt19937_64 rng(n);
  std::vector<std::uint8_t> v(n);
  for (auto& b : v) b = static_cast<std::uint8_t>(rng());
  return v;
}

// A canonical encoding of exactly |len| characters (len % 4 == 0 for the sizes used here).
std::string encoding_of_length(std::size_t len) {
  const std::vector<std::uint8_t> raw = random_bytes(b64::decoded_size(len));
  std::string s(len, '\0');
  b64::encode_with(kernel::scalar, raw.data(), raw.size(), s.data());
  return s;
}

void BM_decode(benchmark::State& state, kernel k) {
  if (!b64::kernel_supported(k)) {
    state.SkipWithError("kernel not supported by this CPU");
    return;
  }
  const std::string text = encoding_of_length(static_cast<std::size_t>(state.range(0)));
  std::vector<std::uint8_t> out(b64::decoded_size(text.size()));
  for (auto _ : state) {
    benchmark::DoNotOptimize(text.data());
    b64::decode_result r = b64::decode_with(k, text, out.data());
    benchmark::DoNotOptimize(r);
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(text.size()));
}

void BM_encode(benchmark::State& state, kernel k) {
  if (!b64::kernel_supported(k)) {
    state.SkipWithError("kernel not supported by this CPU");
    return;
  }
  const std::vector<std::uint8_t> raw = random_bytes(static_cast<std::size_t>(state.range(0)));
  std::string out(b64::encoded_size(raw.size()), '\0');
  for (auto _ : state) {
    benchmark::DoNotOptimize(raw.data());
    std::size_t n = b64::encode_with(k, raw.data(), raw.size(), out.data());
    benchmark::DoNotOptimize(n);
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(raw.size()));
}

void sizes(benchmark::internal::Benchmark* b) {
  for (std::int64_t n : {64, 256, 1024, 8192, 65536}) b->Arg(n);
}

BENCHMARK_CAPTURE(BM_decode, scalar, kernel::scalar)->Apply(sizes);
BENCHMARK_CAPTURE(BM_decode, sse41, kernel::sse41)->Apply(sizes);
BENCHMARK_CAPTURE(BM_decode, avx2, kernel::avx2)->Apply(sizes);
BENCHMARK_CAPTURE(BM_decode, avx512, kernel::avx512)->Apply(sizes);
BENCHMARK_CAPTURE(BM_encode, scalar, kernel::scalar)->Apply(sizes);
BENCHMARK_CAPTURE(BM_encode, sse41, kernel::sse41)->Apply(sizes);
BENCHMARK_CAPTURE(BM_encode, avx2, kernel::avx2)->Apply(sizes);
BENCHMARK_CAPTURE(BM_encode, avx512, kernel::avx512)->Apply(sizes);

}  // namespace

#ifndef JWTX_MICRO_SUITE  // jwtx_micro_bench has one main (bench/micro_suite.cc)
BENCHMARK_MAIN();
#endif
