// Cost of a token without kid that no key verifies (garbage, or signed by an unknown key), against
// key sets of 1..500 ES256 keys, with the default cap (verifier_options::max_keys_tried = 4) and
// with the cap out of the way (the behaviour before issue 9 item 12: one verification per key).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bench/bench_options.h"
#include "engine/keys/key_set.h"
#include "engine/signer.h"
#include "engine/verifier.h"

namespace {

constexpr double kNow = 1'700'000'000;

std::shared_ptr<const jwtx::key_set> es256_set(int n) {
  static std::map<int, std::shared_ptr<const jwtx::key_set>> sets;
  auto& slot = sets[n];
  if (!slot) {
    std::vector<std::string> jwks;
    for (int i = 0; i < n; ++i) {
      auto k = jwtx::signing_key::generate(jwtx::algorithm::ES256, "k" + std::to_string(i));
      if (!k) std::abort();
      jwks.push_back(k->public_jwk());
    }
    auto r = jwtx::load_jwks(jwtx::make_jwks(jwks));
    if (!r) std::abort();
    slot = r.set;
  }
  return slot;
}

// Args: number of keys, cap (0 = unlimited).
void BM_KidlessUnknownKey(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  jwtx::verifier_options o =
      jwtx::bench::fixed_clock_options("https://issuer.example", "api", kNow);
  o.max_keys_tried = state.range(1) == 0 ? std::numeric_limits<std::size_t>::max()
                                         : static_cast<std::size_t>(state.range(1));
  jwtx::verifier v(es256_set(n), o);
  auto stranger = jwtx::signing_key::generate(jwtx::algorithm::ES256, "");
  if (!stranger) std::abort();
  const std::string token =
      stranger->mint(R"({"sub":"a","iss":"https://issuer.example","aud":"api","exp":1700000600})",
                     R"({"alg":"ES256","typ":"JWT"})");
  jwtx::verify_result r;
  for (auto _ : state) {
    v.verify(token, r);
    benchmark::DoNotOptimize(r.status());
  }
  state.counters["capped"] = static_cast<double>(v.key_search_capped());
  state.SetLabel(std::string(jwtx::status_name(r.status())));
}
BENCHMARK(BM_KidlessUnknownKey)
    ->ArgsProduct({{1, 4, 50, 500}, {4, 0}})
    ->ArgNames({"keys", "cap"})
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
