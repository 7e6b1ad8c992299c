// jwtx_c_api_bench — what the C API costs over the C++ call, in one process.
//
//   BM_Verify/cxx  jwtx::verifier::verify(token, result&) — the engine linked statically.
//   BM_Verify/cxx_again  the same as cxx, for the run's noise floor (A/A).
//   BM_Verify/c    jwtx_verify(v, token, len, result) through libjwtx.so — the same engine code
//                  behind the C boundary (argument checks, the handle indirection, the per-status
//                  count, a PLT call).
// Both verify the same ~500-byte HS256 token with the same 32-byte key, options (issuer, audience)
// and fixed clock (a std::function in both: a lambda in C++, the C clock callback in C), each
// reusing one result. Benchmarks run interleaved in random order over repetitions, so drift of the
// shared machine hits both sides alike; the summary prints the medians of CPU time (the process's
// own work; wall time on a loaded 2-core machine also counts other processes' slices) and the
// ratio c / cxx (target: <= 1.03). Defaults: 30 repetitions of 0.1 s each.
#include <benchmark/benchmark.h>
#include <jwtx.h>

#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bench/bench_options.h"
#include "bench/benchmark_init.h"
#include "engine/keys/key_set.h"
#include "engine/signer.h"
#include "engine/verifier.h"

namespace {

constexpr double kNow = 1'700'000'000;
constexpr const char* kIssuer = "https://issuer.bench.example";
constexpr const char* kAudience = "orders-api";
constexpr unsigned char kSecret[] = "0123456789abcdef0123456789abcdef";  // 32 bytes + NUL

std::string payload_json() {
  return std::string("{\"iss\":\"") + kIssuer + "\",\"sub\":\"user-00421337\",\"aud\":\"" +
         kAudience + "\",\"exp\":" + std::to_string(static_cast<long>(kNow) + 900) +
         ",\"iat\":" + std::to_string(static_cast<long>(kNow) - 60) +
         ",\"jti\":\"6f1c2a9e-3b7d-4e58-9a41-0c2d7e8f9b13\",\"azp\":\"web-client\","
         "\"scope\":\"openid profile email orders:read orders:write invoices:read\","
         "\"roles\":[\"viewer\",\"editor\",\"billing-admin\"],\"tenant_id\":\"tenant-0042\"}";
}

double c_clock(void* context) { return *static_cast<const double*>(context); }
double g_now = kNow;

struct fixture {
  std::string token;
  std::unique_ptr<jwtx::verifier> cxx;
  jwtx_key_set* c_keys = nullptr;
  jwtx_verifier* c = nullptr;

  fixture() {
    const std::string_view secret(reinterpret_cast<const char*>(kSecret), 32);
    token = jwtx::signing_key::from_hmac_secret(secret, jwtx::algorithm::HS256, "hs")
                .mint(payload_json());
    jwtx::key_set_builder b;
    b.add_hmac_secret(secret, "hs", std::nullopt);
    auto o = jwtx::bench::fixed_clock_options(kIssuer, kAudience, kNow);
    o.algorithms = {jwtx::algorithm::HS256};
    cxx = std::make_unique<jwtx::verifier>(b.build().set, o);

    char error[256] = "";
    c_keys = jwtx_key_set_from_hmac(kSecret, 32, "hs", error, sizeof error);
    jwtx_verifier_options co;
    jwtx_verifier_options_init(&co);
    co.algorithms = "HS256";
    const char* issuers[] = {kIssuer};
    const char* audiences[] = {kAudience};
    co.issuers = issuers;
    co.issuer_count = 1;
    co.audiences = audiences;
    co.audience_count = 1;
    co.clock = c_clock;
    co.clock_context = &g_now;
    c = jwtx_verifier_new(c_keys, &co, error, sizeof error);
    if (!c) std::fprintf(stderr, "jwtx_verifier_new: %s\n", error);
  }
  ~fixture() {
    jwtx_verifier_free(c);
    jwtx_key_set_free(c_keys);
  }
};

fixture& shared() {
  static fixture f;
  return f;
}

void BM_Verify_cxx(benchmark::State& state) {
  fixture& f = shared();
  jwtx::verify_result r;
  for (auto _ : state) {
    f.cxx->verify(f.token, r);
    benchmark::DoNotOptimize(r.status());
  }
  if (!r.ok()) state.SkipWithError("C++ verify failed");
}
BENCHMARK(BM_Verify_cxx)->Name("BM_Verify/cxx");
// The same C++ benchmark again: its ratio to BM_Verify/cxx is the noise floor of the run (an A/A
// comparison), printed beside the C/C++ ratio.
BENCHMARK(BM_Verify_cxx)->Name("BM_Verify/cxx_again");

void BM_Verify_c(benchmark::State& state) {
  fixture& f = shared();
  jwtx_result* r = jwtx_result_new();
  jwtx_status s = JWTX_INTERNAL_ERROR;
  for (auto _ : state) {
    s = jwtx_verify(f.c, f.token.data(), f.token.size(), r);
    benchmark::DoNotOptimize(s);
  }
  jwtx_result_free(r);
  if (s != JWTX_OK) state.SkipWithError("C verify failed");
}
BENCHMARK(BM_Verify_c)->Name("BM_Verify/c");

// Console output as usual, plus the median of each benchmark's repetitions for the summary.
class summary_reporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      if (run.run_type == Run::RT_Aggregate && run.aggregate_name == "median")
        medians_[run.run_name.str()] = run.GetAdjustedCPUTime();
    }
    ConsoleReporter::ReportRuns(runs);
  }
  void summarize() const {
    auto cxx = medians_.find("BM_Verify/cxx");
    auto again = medians_.find("BM_Verify/cxx_again");
    auto c = medians_.find("BM_Verify/c");
    if (cxx == medians_.end() || c == medians_.end() || again == medians_.end()) {
      std::printf("\n(summary needs all three benchmarks with --benchmark_repetitions >= 2)\n");
      return;
    }
    const double ratio = c->second / cxx->second, floor = again->second / cxx->second;
    std::printf("\nHS256 single verify, median CPU time: C++ %.1f ns, C API %.1f ns\n", cxx->second,
                c->second);
    std::printf(
        "C/C++ = %.4f (%+.2f %%) [target <= 1.03]; noise floor (A/A) cxx_again/cxx = %.4f\n", ratio,
        (ratio - 1) * 100, floor);
  }

 private:
  std::map<std::string, double> medians_;
};

}  // namespace

int main(int argc, char** argv) {
  std::vector<char*> args(argv, argv + argc);
  bool has_reps = false;
  for (char* a : args) has_reps |= std::string_view(a).starts_with("--benchmark_repetitions");
  std::string reps = "--benchmark_repetitions=30";
  std::string interleave = "--benchmark_enable_random_interleaving=true";
  if (!has_reps) {
    args.push_back(reps.data());
    args.push_back(interleave.data());
  }
  if (!jwtx::bench::initialize_benchmark(static_cast<int>(args.size()), args.data(), 0.1)) return 1;
  summary_reporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  reporter.summarize();
  benchmark::Shutdown();
  return 0;
}
