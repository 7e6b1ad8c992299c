#include "engine/jws/signature.h"

#include <openssl/bn.h>
#include <openssl/curve25519.h>
#include <openssl/digest.h>
#include <openssl/ec.h>
#include <openssl/ec_key.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/hmac.h>
#include <openssl/mem.h>
#include <openssl/nid.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>

#include "engine/jws/boringssl_names.h"
#include "engine/jws/hmac_state.h"

namespace jwtx {

namespace detail {

std::unique_ptr<hmac_state> hmac_state::create(algorithm a, std::string_view secret) {
  auto st = std::make_unique<hmac_state>();
  st->alg = a;
  if (!HMAC_Init_ex(&st->ctx, secret.data(), secret.size(), digest_for(a), nullptr)) return nullptr;
  return st;
}

}  // namespace detail

namespace {

// One reusable HMAC_CTX per thread and hash: HMAC_CTX_copy_ex into a context that already holds
// the same digest reuses its buffers, so a warm thread verifies HS* without heap allocation.
HMAC_CTX* thread_hmac_ctx(algorithm a) {
  struct contexts {
    HMAC_CTX ctx[3];
    contexts() {
      for (auto& c : ctx) HMAC_CTX_init(&c);
    }
    ~contexts() {
      for (auto& c : ctx) HMAC_CTX_cleanup(&c);
    }
  };
  thread_local contexts t;
  return &t.ctx[static_cast<int>(a) - static_cast<int>(algorithm::HS256)];
}

status verify_hmac(algorithm a, const key& k, std::string_view input, const std::uint8_t* sig,
                   std::size_t sig_len) {
  const detail::hmac_state* st = k.hmac(a);
  if (st == nullptr) return status::bad_signature;
  if (sig_len != hash_size(a)) return status::bad_signature;
  HMAC_CTX* ctx = thread_hmac_ctx(a);
  std::uint8_t mac[EVP_MAX_MD_SIZE];
  unsigned mac_len = 0;
  if (!HMAC_CTX_copy_ex(ctx, &st->ctx) ||
      !HMAC_Update(ctx, reinterpret_cast<const std::uint8_t*>(input.data()), input.size()) ||
      !HMAC_Final(ctx, mac, &mac_len))
    return status::internal_error;
  // Constant time: the comparison must not reveal how many leading bytes matched.
  return mac_len == sig_len && CRYPTO_memcmp(mac, sig, sig_len) == 0 ? status::ok
                                                                     : status::bad_signature;
}

bool digest(algorithm a, std::string_view input, std::uint8_t* out) {
  const auto* in = reinterpret_cast<const std::uint8_t*>(input.data());
  switch (hash_size(a)) {
    case 32:
      SHA256(in, input.size(), out);
      return true;
    case 48:
      SHA384(in, input.size(), out);
      return true;
    case 64:
      SHA512(in, input.size(), out);
      return true;
  }
  return false;
}

status verify_rsa(algorithm a, const key& k, std::string_view input, const std::uint8_t* sig,
                  std::size_t sig_len) {
  RSA* rsa = k.rsa();
  if (rsa == nullptr) return status::bad_signature;
  if (sig_len != RSA_size(rsa)) return status::bad_signature;
  std::uint8_t d[64];
  digest(a, input, d);
  const std::size_t dlen = hash_size(a);
  int ok;
  if (a == algorithm::RS256 || a == algorithm::RS384 || a == algorithm::RS512) {
    ok = RSA_verify(detail::hash_nid(a), d, dlen, sig, sig_len, rsa);
  } else {
    const EVP_MD* md = detail::digest_for(a);
    // Salt length = hash length (RFC 7518 §3.5); -1 would accept any salt length.
    ok = RSA_verify_pss_mgf1(rsa, d, dlen, md, md, static_cast<int>(dlen), sig, sig_len);
  }
  ERR_clear_error();
  return ok == 1 ? status::ok : status::bad_signature;
}

status verify_ecdsa(algorithm a, const key& k, std::string_view input, const std::uint8_t* sig,
                    std::size_t sig_len) {
  EC_KEY* ec = k.ec();
  if (ec == nullptr) return status::bad_signature;
  const EC_GROUP* group = EC_KEY_get0_group(ec);
  const std::size_t coord = (EC_GROUP_get_degree(group) + 7) / 8;
  // JWS uses fixed-width r||s (RFC 7518 §3.4); DER or any other length is not a JWS signature.
  if (sig_len != 2 * coord) return status::bad_signature;
  // One ECDSA_SIG per thread, reused: BN_bin2bn into an existing BIGNUM keeps its storage, so a
  // warm thread parses r and s without allocating.
  struct thread_sig {
    ECDSA_SIG* sig = ECDSA_SIG_new();
    ~thread_sig() { ECDSA_SIG_free(sig); }
  };
  thread_local thread_sig t;
  ECDSA_SIG* es = t.sig;
  if (es == nullptr || !BN_bin2bn(sig, coord, es->r) || !BN_bin2bn(sig + coord, coord, es->s))
    return status::internal_error;
  // r, s in [1, n-1]: a zero or out-of-range value is rejected here, before any curve math
  // (CVE-2022-21449 accepted r = s = 0).
  const BIGNUM* order = EC_GROUP_get0_order(group);
  if (BN_is_zero(es->r) || BN_is_zero(es->s) || BN_cmp(es->r, order) >= 0 ||
      BN_cmp(es->s, order) >= 0)
    return status::bad_signature;
  std::uint8_t d[64];
  digest(a, input, d);
  int ok = ECDSA_do_verify(d, hash_size(a), es, ec);
  ERR_clear_error();
  return ok == 1 ? status::ok : status::bad_signature;
}

status verify_ed25519(const key& k, std::string_view input, const std::uint8_t* sig,
                      std::size_t sig_len) {
  if (k.type() != key_type::okp || sig_len != 64) return status::bad_signature;
  return ED25519_verify(reinterpret_cast<const std::uint8_t*>(input.data()), input.size(), sig,
                        k.ed25519_public()) == 1
             ? status::ok
             : status::bad_signature;
}

}  // namespace

status verify_signature(algorithm alg, const key& k, std::string_view signing_input,
                        const std::uint8_t* sig, std::size_t sig_len) noexcept {
  if (!k.compatible_with(alg)) return status::alg_key_mismatch;
  switch (required_key_type(alg)) {
    case key_type::oct:
      return verify_hmac(alg, k, signing_input, sig, sig_len);
    case key_type::rsa:
      return verify_rsa(alg, k, signing_input, sig, sig_len);
    case key_type::ec:
      return verify_ecdsa(alg, k, signing_input, sig, sig_len);
    case key_type::okp:
      return verify_ed25519(k, signing_input, sig, sig_len);
  }
  return status::internal_error;
}

}  // namespace jwtx
