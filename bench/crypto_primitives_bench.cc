// Raw BoringSSL primitives, nothing of jwtx: what each BoringSSL build can do on this core.
// Built twice from this file: jwtx_primitives_bench links the BoringSSL jwtx uses
// (-DJWTX_BORINGSSL=source: built from Debian's source package) and jwtx_primitives_bench_system
// links Debian's binary android-libboringssl (OPENSSL_SMALL). Never both in one process: the
// two export the same names. bench/compare_boringssl.sh runs both in one go and prints ratios.
//
//   BM_SHA256/500B          SHA256() over 500 bytes
//   BM_HMAC_SHA256/500B     HMAC() one-shot, 32-byte key, 500-byte message
//   BM_Verify/<alg>         verify of a 500-byte message, hashing included (as jwtx does):
//                           RS256 (RSA_verify), PS256 (RSA_verify_pss_mgf1), ES256/ES384/ES512
//                           (ECDSA_do_verify on P-256/P-384/P-521), EdDSA (ED25519_verify)
// Each check fails the benchmark (SkipWithError) unless every verify in the loop succeeded.
#include <benchmark/benchmark.h>
#include <openssl/bn.h>
#include <openssl/curve25519.h>
#include <openssl/digest.h>
#include <openssl/ec.h>
#include <openssl/ec_key.h>
#include <openssl/ecdsa.h>
#include <openssl/hmac.h>
#include <openssl/nid.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <vector>

#include "bench/benchmark_init.h"

namespace {

constexpr std::size_t kMessageSize = 500;

const std::array<std::uint8_t, kMessageSize>& message() {
  static const auto m = [] {
    std::array<std::uint8_t, kMessageSize> a{};
    for (std::size_t i = 0; i < a.size(); ++i) a[i] = static_cast<std::uint8_t>('A' + i % 26);
    return a;
  }();
  return m;
}

void bm_sha256(benchmark::State& state) {
  std::uint8_t out[SHA256_DIGEST_LENGTH];
  for (auto _ : state) {
    SHA256(message().data(), message().size(), out);
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kMessageSize));
}

void bm_hmac_sha256(benchmark::State& state) {
  const std::array<std::uint8_t, 32> key{1, 2, 3, 4, 5, 6, 7, 8};
  std::uint8_t out[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  for (auto _ : state) {
    HMAC(EVP_sha256(), key.data(), key.size(), message().data(), message().size(), out, &len);
    benchmark::DoNotOptimize(out);
  }
  if (len != SHA256_DIGEST_LENGTH) state.SkipWithError("HMAC failed");
}

// RSA-2048 verify, PKCS#1 v1.5 or PSS (SHA-256, MGF1-SHA-256, 32-byte salt).
void bm_rsa(benchmark::State& state, bool pss) {
  bssl::UniquePtr<RSA> rsa(RSA_new());
  bssl::UniquePtr<BIGNUM> e(BN_new());
  std::uint8_t d[SHA256_DIGEST_LENGTH];
  SHA256(message().data(), message().size(), d);
  std::vector<std::uint8_t> sig(256);
  std::size_t sig_len = 0;
  unsigned pkcs1_len = 0;
  bool ok = rsa && e && BN_set_word(e.get(), RSA_F4) &&
            RSA_generate_key_ex(rsa.get(), 2048, e.get(), nullptr) &&
            (pss ? RSA_sign_pss_mgf1(rsa.get(), &sig_len, sig.data(), sig.size(), d, sizeof d,
                                     EVP_sha256(), EVP_sha256(), 32)
                 : RSA_sign(NID_sha256, d, sizeof d, sig.data(), &pkcs1_len, rsa.get()));
  if (!pss) sig_len = pkcs1_len;
  if (!ok) {
    state.SkipWithError("RSA key generation or signing failed");
    return;
  }
  for (auto _ : state) {
    SHA256(message().data(), message().size(), d);
    ok &= (pss ? RSA_verify_pss_mgf1(rsa.get(), d, sizeof d, EVP_sha256(), EVP_sha256(), 32,
                                     sig.data(), sig_len)
               : RSA_verify(NID_sha256, d, sizeof d, sig.data(), sig_len, rsa.get())) == 1;
  }
  if (!ok) state.SkipWithError("RSA verify failed");
}

// ECDSA verify on |nid| with the hash JWS pairs with it (ES256/ES384/ES512).
void bm_ecdsa(benchmark::State& state, int nid, const EVP_MD* md) {
  bssl::UniquePtr<EC_KEY> key(EC_KEY_new_by_curve_name(nid));
  std::uint8_t d[EVP_MAX_MD_SIZE];
  unsigned n = 0;
  bool ok = key && EC_KEY_generate_key(key.get()) &&
            EVP_Digest(message().data(), message().size(), d, &n, md, nullptr);
  bssl::UniquePtr<ECDSA_SIG> sig(ok ? ECDSA_do_sign(d, n, key.get()) : nullptr);
  if (!sig) {
    state.SkipWithError("EC key generation or signing failed");
    return;
  }
  for (auto _ : state) {
    ok &= EVP_Digest(message().data(), message().size(), d, &n, md, nullptr) == 1;
    ok &= ECDSA_do_verify(d, n, sig.get(), key.get()) == 1;
  }
  if (!ok) state.SkipWithError("ECDSA verify failed");
}

void bm_ed25519(benchmark::State& state) {
  std::uint8_t pub[32], priv[64], sig[64];
  ED25519_keypair(pub, priv);
  bool ok = ED25519_sign(sig, message().data(), message().size(), priv) == 1;
  for (auto _ : state) {
    ok &= ED25519_verify(message().data(), message().size(), sig, pub) == 1;
  }
  if (!ok) state.SkipWithError("Ed25519 verify failed");
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::RegisterBenchmark("BM_SHA256/500B", bm_sha256);
  benchmark::RegisterBenchmark("BM_HMAC_SHA256/500B", bm_hmac_sha256);
  benchmark::RegisterBenchmark("BM_Verify/RS256", bm_rsa, false);
  benchmark::RegisterBenchmark("BM_Verify/PS256", bm_rsa, true);
  benchmark::RegisterBenchmark("BM_Verify/ES256", bm_ecdsa, NID_X9_62_prime256v1, EVP_sha256());
  benchmark::RegisterBenchmark("BM_Verify/ES384", bm_ecdsa, NID_secp384r1, EVP_sha384());
  benchmark::RegisterBenchmark("BM_Verify/ES512", bm_ecdsa, NID_secp521r1, EVP_sha512());
  benchmark::RegisterBenchmark("BM_Verify/EdDSA", bm_ed25519);
  if (!jwtx::bench::initialize_benchmark(argc, argv, 0.5)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
