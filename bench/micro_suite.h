// The parts of jwtx_micro_bench, the one micro-benchmark suite (bench/micro_suite.cc, run and
// compared by bench/micro.sh and bench/compare_runs.py). The suite compiles the
// bench/<thing>_bench.cc programs below with JWTX_MICRO_SUITE defined, which drops their main();
// benchmarks registered with BENCHMARK() (base64url_bench.cc, token_cache_bench.cc,
// verify_cache_bench.cc's hit cost) register themselves, the ones built at run time are registered
// by these functions. Each is also what the program's own main() calls. Call once, before
// benchmark::RunSpecifiedBenchmarks.
#pragma once

namespace jwtx::bench {

// verify_bench.cc: per-algorithm end-to-end verify, each pipeline stage alone (Split, Decode,
// Parse = header + claims JSON, KeySelect, Crypto, Policy), JSON parse against claim size
// (BM_Parse/claims_bytes:N) and the raw BoringSSL ceiling. Mints its tokens with fresh keys;
// false (after printing why) when that fails.
bool register_verify_benchmarks();

// pipeline_bench.cc: batch_pipeline submit / verify_batch scaling against direct verify. False
// (after printing why) when its tokens or pipeline cannot be built.
bool register_pipeline_benchmarks();

// verify_cache_bench.cc: the Zipf hit-ratio sweep with and without the cache.
void register_verify_cache_benchmarks();

}  // namespace jwtx::bench
