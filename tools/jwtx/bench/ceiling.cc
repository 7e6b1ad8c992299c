#include "tools/jwtx/bench/ceiling.h"

#include <openssl/bn.h>
#include <openssl/curve25519.h>
#include <openssl/digest.h>
#include <openssl/ecdsa.h>
#include <openssl/hmac.h>
#include <openssl/mem.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>

#include <chrono>
#include <cstdint>
#include <string>

#include "engine/jws/base64url/base64url.h"
#include "engine/jws/boringssl_names.h"
#include "engine/jws/token_view.h"
#include "engine/keys/key_set.h"

namespace jwtx::capacity {
namespace {

// One algorithm's inputs, prepared outside the timed loop.
struct sample {
  algorithm alg{};
  const key* k = nullptr;
  std::string_view signing_input;
  std::string signature;
  bssl::UniquePtr<ECDSA_SIG> ecdsa;
};

// One verification with BoringSSL only; true if it verified.
bool verify_once(const sample& s) {
  const auto* in = reinterpret_cast<const std::uint8_t*>(s.signing_input.data());
  const auto* sig = reinterpret_cast<const std::uint8_t*>(s.signature.data());
  const EVP_MD* md = jwtx::detail::digest_for(s.alg);
  std::uint8_t d[EVP_MAX_MD_SIZE];
  unsigned d_len = 0;
  switch (required_key_type(s.alg)) {
    case key_type::oct: {
      const std::string& secret = s.k->hmac_secret();
      if (!HMAC(md, secret.data(), secret.size(), in, s.signing_input.size(), d, &d_len))
        return false;
      const bool same = d_len == s.signature.size() && CRYPTO_memcmp(d, sig, d_len) == 0;
      return same;
    }
    case key_type::okp:
      return ED25519_verify(in, s.signing_input.size(), sig, s.k->ed25519_public()) == 1;
    default:
      break;
  }
  if (!EVP_Digest(in, s.signing_input.size(), d, &d_len, md, nullptr)) return false;
  if (required_key_type(s.alg) == key_type::ec)
    return ECDSA_do_verify(d, d_len, s.ecdsa.get(), s.k->ec()) == 1;
  const bool pss =
      s.alg == algorithm::PS256 || s.alg == algorithm::PS384 || s.alg == algorithm::PS512;
  return pss ? RSA_verify_pss_mgf1(s.k->rsa(), d, d_len, md, md, static_cast<int>(d_len), sig,
                                   s.signature.size()) == 1
             : RSA_verify(EVP_MD_type(md), d, d_len, sig, s.signature.size(), s.k->rsa()) == 1;
}

// Builds |s| from a valid token of its algorithm; false if it cannot (then the cost stays NaN).
bool prepare(const workload& w, const workload_token& t, sample& s) {
  verify_result r;
  w.engine_nocache->verify(t.token, r);
  token_view v;
  if (!r.ok() || !r.alg() || split_token(t.token, &v) != status::ok) return false;
  s.alg = *r.alg();
  s.signing_input = v.signing_input;
  if (!base64url::decode(v.signature, &s.signature)) return false;
  if (required_key_type(s.alg) == key_type::ec) {
    const auto* sig = reinterpret_cast<const std::uint8_t*>(s.signature.data());
    const std::size_t half = s.signature.size() / 2;
    s.ecdsa.reset(ECDSA_SIG_new());
    BIGNUM* r_bn = BN_bin2bn(sig, half, nullptr);
    BIGNUM* s_bn = BN_bin2bn(sig + half, half, nullptr);
    if (!s.ecdsa || !r_bn || !s_bn || !ECDSA_SIG_set0(s.ecdsa.get(), r_bn, s_bn)) {
      BN_free(r_bn);
      BN_free(s_bn);
      return false;
    }
  }
  if (r.has_kid()) {
    s.k = w.keys->find(r.kid());
    return s.k != nullptr && verify_once(s);
  }
  // A token without kid (a replay): the first key of its type that verifies it, as jwtx found.
  for (const key* k : w.keys->in_load_order()) {
    if (k->type() != required_key_type(s.alg)) continue;
    s.k = k;
    if (verify_once(s)) return true;
  }
  return false;
}

}  // namespace

std::map<algorithm, double> measure_ceiling(const workload& w, double seconds) {
  std::map<algorithm, double> out;
  std::map<algorithm, const workload_token*> pick;
  for (const workload_token& t : w.tokens) {
    if (t.alg && t.expected == status::ok && !pick.count(*t.alg)) pick[*t.alg] = &t;
  }
  using clock = std::chrono::steady_clock;
  // The best of three rounds: on a shared machine a round can lose its core to another process,
  // and the ceiling is what the primitive costs undisturbed.
  constexpr int kRounds = 3;
  const auto round =
      std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(seconds / kRounds));
  for (const auto& [alg, t] : pick) {
    sample s;
    if (!prepare(w, *t, s)) continue;
    bool ok = true;
    double best_us = kNotMeasured;
    for (int k = 0; k < kRounds; ++k) {
      std::uint64_t n = 0;
      const clock::time_point t0 = clock::now();
      clock::time_point now;
      do {
        for (int i = 0; i < 8; ++i) ok &= verify_once(s);
        n += 8;
        now = clock::now();
      } while (now - t0 < round);
      const double us = std::chrono::duration<double, std::micro>(now - t0).count() / double(n);
      if (!(us >= best_us)) best_us = us;  // NaN at first
    }
    if (ok) out[alg] = best_us;
  }
  return out;
}

crypto_ceiling ceiling_for(const workload& w, const std::map<algorithm, double>& us_per_verify) {
  crypto_ceiling c;
  for (const auto& [alg, us] : us_per_verify)
    c.per_algorithm.push_back({std::string(algorithm_name(alg)), us});
  double total_us = 0;
  for (const std::uint32_t i : w.sequence) {
    const workload_token& t = w.tokens[i];
    if (!t.reaches_signature || !t.alg) continue;
    const auto it = us_per_verify.find(*t.alg);
    if (it == us_per_verify.end()) return c;  // a cost is missing: no ceiling for the mix
    total_us += it->second;
  }
  const double per_token_us = total_us / static_cast<double>(w.sequence.size());
  if (per_token_us > 0) c.rps_per_core = 1e6 / per_token_us;
  return c;
}

}  // namespace jwtx::capacity
