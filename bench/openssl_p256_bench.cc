// OpenSSL 3's raw P-256 verify, the yardstick of issue 11 (end-to-end ES256 through jwtx should
// reach >= 1.3x this on the same core). Its own program: it links OpenSSL (libssl-dev), which
// nothing else of jwtx's may, and has no jwtx and no BoringSSL in it.
//
//   BM_OpenSSL/ES256   SHA-256 of a 500-byte message (as in bench/crypto_primitives_bench.cc)
//                      and EVP_PKEY_verify of a DER ECDSA signature, the key's EVP_PKEY_CTX
//                      prepared once: the fastest non-deprecated OpenSSL 3 path.
#include <benchmark/benchmark.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include <array>
#include <cstdint>
#include <vector>

#include "bench/benchmark_init.h"

namespace {

void bm_openssl_es256(benchmark::State& state) {
  std::array<std::uint8_t, 500> message{};
  for (std::size_t i = 0; i < message.size(); ++i)
    message[i] = static_cast<std::uint8_t>('A' + i % 26);
  std::uint8_t d[SHA256_DIGEST_LENGTH];
  SHA256(message.data(), message.size(), d);

  EVP_PKEY* key = EVP_EC_gen("P-256");
  EVP_PKEY_CTX* sign = key ? EVP_PKEY_CTX_new(key, nullptr) : nullptr;
  std::vector<std::uint8_t> sig(128);
  std::size_t sig_len = sig.size();
  bool ok = sign && EVP_PKEY_sign_init(sign) == 1 &&
            EVP_PKEY_sign(sign, sig.data(), &sig_len, d, sizeof d) == 1;
  EVP_PKEY_CTX* verify = ok ? EVP_PKEY_CTX_new(key, nullptr) : nullptr;
  ok = ok && verify && EVP_PKEY_verify_init(verify) == 1;
  if (ok) {
    for (auto _ : state) {
      SHA256(message.data(), message.size(), d);
      ok &= EVP_PKEY_verify(verify, sig.data(), sig_len, d, sizeof d) == 1;
    }
  }
  if (!ok) state.SkipWithError("OpenSSL P-256 key generation, signing or verify failed");
  EVP_PKEY_CTX_free(verify);
  EVP_PKEY_CTX_free(sign);
  EVP_PKEY_free(key);
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::RegisterBenchmark("BM_OpenSSL/ES256", bm_openssl_es256);
  if (!jwtx::bench::initialize_benchmark(argc, argv, 0.5)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
