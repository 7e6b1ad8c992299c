// The verified-token cache inside the verifier (Google Benchmark).
//
// BM_VerifyHit: a repeat of one ~500-byte token through verifier::verify with the cache on: a hit
// costs the keyed SHA-256 of the token, the table lookup, the clock and the revocation check.
// Issue 5's targets: >= 5 M hits/s per core, 2 threads >= 1.8x one.
//
// BM_HitRatioSweep/<alg>/<percent>: a stream of kStream tokens whose popularity follows a Zipf
// law (s = 1), with the number of distinct tokens chosen so that the share of first sightings
// (which must miss) is 100 - percent; 0 % is a stream of distinct tokens. Each iteration replays
// the stream through a fresh verifier, so "hit_ratio" is what a gateway with this traffic would
// see. BM_HitRatioSweep_NoCache is the same stream with the cache off: the speed-up is the ratio.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <unordered_set>
#include <vector>

#include "bench/bench_options.h"
#include "bench/micro_suite.h"
#include "engine/keys/key_set.h"
#include "engine/revocation/revocation.h"
#include "engine/signer.h"
#include "engine/verifier.h"

namespace {

using jwtx::algorithm;

constexpr double kNow = 1'700'000'000;
constexpr std::size_t kStream = 4000;

const jwtx::signing_key& key(algorithm alg) {
  static std::map<algorithm, std::unique_ptr<jwtx::signing_key>> keys;
  auto& k = keys[alg];
  if (!k) {
    auto made = jwtx::signing_key::generate(alg, std::string(jwtx::algorithm_name(alg)) + "-key");
    if (!made) std::abort();
    k = std::make_unique<jwtx::signing_key>(std::move(*made));
  }
  return *k;
}

std::shared_ptr<const jwtx::key_set> keys_for(algorithm alg) {
  jwtx::key_set_builder b;
  const std::string jwk = jwtx::required_key_type(alg) == jwtx::key_type::oct
                              ? key(alg).private_jwk()
                              : key(alg).public_jwk();
  if (b.add_jwk(jwk, "bench") != jwtx::status::ok) std::abort();
  auto r = b.build();
  if (!r) std::abort();
  return r.set;
}

// Claims padded so that the whole token is about |target| bytes for ES256.
std::string claims(std::size_t i, std::size_t pad) {
  return R"({"iss":"https://issuer.example","aud":"api","sub":"user-)" + std::to_string(i) +
         R"(","jti":"jti-)" + std::to_string(i) + R"(","exp":1700000600,"iat":1699999900,)" +
         R"("scope":")" + std::string(pad, 's') + "\"}";
}

jwtx::verifier_options options(std::size_t cache_entries, const jwtx::revocation_set* revoked) {
  jwtx::verifier_options o =
      jwtx::bench::fixed_clock_options("https://issuer.example", "api", kNow);
  o.claims.revoked = revoked;
  o.cache_entries = cache_entries;
  o.cache_algorithms = jwtx::algorithm_set::all();  // HS256 too, to show why it is off by default
  return o;
}

void BM_VerifyHit(benchmark::State& state) {
  static const std::string token = key(algorithm::ES256).mint(claims(1, 148));
  static jwtx::revocation_set revoked;
  static const jwtx::verifier v(keys_for(algorithm::ES256), options(65536, &revoked));
  if (state.thread_index() == 0) revoked.add("some-other-jti", kNow + 600);
  jwtx::verify_result r;
  v.verify(token, r);  // warm: the first one verifies and inserts
  std::size_t hits = 0;
  for (auto _ : state) {
    v.verify(token, r);
    hits += r.from_cache();
  }
  if (hits != static_cast<std::size_t>(state.iterations())) state.SkipWithError("not a hit");
  state.counters["token_bytes"] = static_cast<double>(token.size());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_VerifyHit)->Threads(1)->Threads(2)->UseRealTime();

// Zipf(1) over n ranks: index of a draw, by inverse CDF on the precomputed harmonic sums.
struct zipf {
  std::vector<double> cdf;
  explicit zipf(std::size_t n) : cdf(n) {
    double sum = 0;
    for (std::size_t k = 0; k < n; ++k) cdf[k] = (sum += 1.0 / static_cast<double>(k + 1));
    for (double& c : cdf) c /= sum;
  }
  std::size_t draw(std::mt19937_64& rng) const {
    const double u = std::uniform_real_distribution<double>(0, 1)(rng);
    return static_cast<std::size_t>(std::lower_bound(cdf.begin(), cdf.end(), u) - cdf.begin());
  }
};

std::vector<std::size_t> stream_with_hit_ratio(int percent) {
  std::vector<std::size_t> s(kStream);
  if (percent == 0) {
    for (std::size_t i = 0; i < kStream; ++i) s[i] = i;
    return s;
  }
  // The smallest population whose Zipf stream has at least the wanted share of first sightings.
  const double want_distinct = static_cast<double>(kStream) * (100 - percent) / 100.0;
  std::size_t lo = 1, hi = 1 << 22;
  while (lo < hi) {
    const std::size_t n = (lo + hi) / 2;
    std::mt19937_64 rng(11);
    zipf z(n);
    std::unordered_set<std::size_t> seen;
    for (std::size_t i = 0; i < kStream; ++i) seen.insert(z.draw(rng));
    if (static_cast<double>(seen.size()) >= want_distinct) {
      hi = n;
    } else {
      lo = n + 1;
    }
  }
  std::mt19937_64 rng(11);
  zipf z(lo);
  for (auto& x : s) x = z.draw(rng);
  return s;
}

void sweep(benchmark::State& state, algorithm alg, bool cache_on) {
  const int percent = static_cast<int>(state.range(0));
  const std::vector<std::size_t> stream = stream_with_hit_ratio(percent);
  std::map<std::size_t, std::string> minted;
  for (std::size_t id : stream) {
    if (!minted.count(id)) minted[id] = key(alg).mint(claims(id, 150));
  }
  std::vector<const std::string*> tokens;
  for (std::size_t id : stream) tokens.push_back(&minted[id]);
  const auto keys = keys_for(alg);
  std::size_t hits = 0, total = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto v = std::make_unique<jwtx::verifier>(keys, options(cache_on ? 65536 : 0, nullptr));
    jwtx::verify_result r;
    state.ResumeTiming();
    for (const std::string* t : tokens) {
      v->verify(*t, r);
      if (!r.ok()) state.SkipWithError("token did not verify");
      hits += r.from_cache();
    }
    total += tokens.size();
  }
  state.counters["hit_ratio"] = total ? static_cast<double>(hits) / static_cast<double>(total) : 0;
  state.counters["distinct"] = static_cast<double>(minted.size());
  state.SetItemsProcessed(static_cast<std::int64_t>(total));
}

void register_sweeps() {
  for (algorithm alg : {algorithm::HS256, algorithm::RS256, algorithm::ES256}) {
    for (bool cache_on : {true, false}) {
      const std::string name =
          std::string(cache_on ? "BM_HitRatioSweep/" : "BM_HitRatioSweep_NoCache/") +
          std::string(jwtx::algorithm_name(alg));
      benchmark::RegisterBenchmark(
          name.c_str(), [alg, cache_on](benchmark::State& s) { sweep(s, alg, cache_on); })
          ->Arg(0)
          ->Arg(50)
          ->Arg(90)
          ->Arg(99)
          ->Unit(benchmark::kMillisecond)
          ->Iterations(3);
    }
  }
}

}  // namespace

void jwtx::bench::register_verify_cache_benchmarks() { register_sweeps(); }

#ifndef JWTX_MICRO_SUITE  // jwtx_micro_bench has one main (bench/micro_suite.cc)
int main(int argc, char** argv) {
  register_sweeps();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
#endif
