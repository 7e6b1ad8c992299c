// Fuzz target: arbitrary bytes as a token against fixed HMAC and public key sets.
//
// Byte 0 picks the policy (leeway, require_exp, payload_is_jwt, audiences, typ, cache, a small
// max_token_bytes) and the mode: with bit 5 set, byte 1 picks an algorithm and the rest is a
// payload that is minted into a correctly signed token first, so the ok path is reached too.
// Invariants (__builtin_trap on violation): status < kStatusCount; verifying twice gives the same
// status; ok implies verify_signature() on the split, decoded parts with the selected key is ok;
// a freshly minted token verifies in plain JWS mode (unless it is too large); every result, fresh
// or reused across inputs and verifiers, names exactly this token by fingerprint(); detail() is
// empty exactly when ok, one short line otherwise, and never contains the token.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/fingerprint.h"
#include "engine/jws/algorithm.h"
#include "engine/jws/base64url/base64url.h"
#include "engine/jws/signature.h"
#include "engine/jws/token_view.h"
#include "engine/keys/key_set.h"
#include "engine/runtime/token_cache.h"
#include "engine/signer.h"
#include "engine/status.h"
#include "engine/verifier.h"

namespace {

constexpr double kNow = 1'700'000'000;

struct fixture {
  std::vector<jwtx::signing_key> signers;  // one per algorithm, kid "<alg>-key"
  std::shared_ptr<const jwtx::key_set> hmac_keys;
  std::shared_ptr<const jwtx::key_set> public_keys;
};

const fixture& keys() {
  static const fixture f = [] {
    fixture x;
    jwtx::key_set_builder hmac, pub;
    for (int i = 0; i < jwtx::kAlgorithmCount; ++i) {
      auto a = static_cast<jwtx::algorithm>(i);
      auto k = jwtx::signing_key::generate(a, std::string(jwtx::algorithm_name(a)) + "-key");
      if (!k) __builtin_trap();
      bool is_hmac = jwtx::required_key_type(a) == jwtx::key_type::oct;
      jwtx::status st =
          is_hmac ? hmac.add_jwk(k->private_jwk(), "fuzz") : pub.add_jwk(k->public_jwk(), "fuzz");
      if (st != jwtx::status::ok) __builtin_trap();
      x.signers.push_back(std::move(*k));
    }
    auto h = hmac.build();
    auto p = pub.build();
    if (!h || !p) __builtin_trap();
    x.hmac_keys = h.set;
    x.public_keys = p.set;
    return x;
  }();
  return f;
}

jwtx::verifier_options options_for(std::uint8_t b) {
  jwtx::verifier_options o;
  o.algorithms = jwtx::algorithm_set::all();
  o.claims.clock = [] { return kNow; };
  o.claims.leeway_seconds = (b & 1) ? 0 : 60;
  o.claims.require_exp = (b & 2) != 0;
  o.payload_is_jwt = (b & 4) != 0;
  if (b & 8) o.claims.audiences = {"api"};
  if (b & 16) o.claims.typ = "JWT";
  if (b & 64) {  // verified-token cache on (all algorithms): the repeat below is a hit
    o.cache_entries = 64;
    o.cache_algorithms = jwtx::algorithm_set::all();
  }
  if (b & 128) o.max_token_bytes = 256;  // too_large is reached too
  return o;
}

// Independent re-check of an ok result: split, decode the signature, find the key the header
// names (or any compatible key without a kid) and verify again.
bool reference_ok(const jwtx::key_set& set, const jwtx::verify_result& r, std::string_view token) {
  jwtx::token_view parts;
  if (jwtx::split_token(token, &parts) != jwtx::status::ok) return false;
  std::string sig;
  if (!jwtx::base64url::decode(parts.signature, &sig)) return false;
  if (!r.alg()) return false;
  const jwtx::algorithm alg = *r.alg();
  auto check = [&](const jwtx::key& k) {
    return jwtx::verify_signature(alg, k, parts.signing_input,
                                  reinterpret_cast<const std::uint8_t*>(sig.data()),
                                  sig.size()) == jwtx::status::ok;
  };
  if (r.has_kid()) {
    const jwtx::key* k = set.find(r.kid());
    return k != nullptr && k->compatible_with(alg) && check(*k);
  }
  for (const jwtx::key& k : set.keys()) {
    if (k.compatible_with(alg) && check(k)) return true;
  }
  return false;
}

// The result names |token| and explains itself without echoing it.
void check_naming(const jwtx::verify_result& r, std::string_view token) {
  const jwtx::fingerprint_text want = jwtx::fingerprint(token);
  const jwtx::fingerprint_text got = r.fingerprint();
  if (std::memcmp(want.data(), got.data(), want.size()) != 0) __builtin_trap();
  const std::string detail = r.detail();
  if (r.ok() != detail.empty()) __builtin_trap();
  if (detail.size() > 1024 || detail.find('\n') != std::string::npos) __builtin_trap();
  // Long enough and with a dot, a token cannot be a piece of a detail's fixed wording.
  if (token.size() >= 32 && token.find('.') != std::string_view::npos &&
      detail.find(token) != std::string::npos)
    __builtin_trap();
}

jwtx::status verify_checked(const jwtx::verifier& v, const jwtx::key_set& set,
                            std::string_view token) {
  jwtx::verify_result first = v.verify(token);
  jwtx::verify_result second;
  v.verify(token, second);
  // One result reused across every input and both verifiers, as a gateway thread reuses its own.
  static jwtx::verify_result reused;
  v.verify(token, reused);
  check_naming(first, token);
  check_naming(second, token);
  check_naming(reused, token);
  const jwtx::status s = first.status();
  if (reused.status() != s) __builtin_trap();
  if (static_cast<int>(s) >= jwtx::kStatusCount) __builtin_trap();
  if (second.status() != s) __builtin_trap();
  if (s == jwtx::status::ok && !reference_ok(set, first, token)) __builtin_trap();
  // The repeat (a cache hit when the cache is on) must answer exactly like the first verify.
  if (s == jwtx::status::ok) {
    if (second.alg() != first.alg() || second.kid() != first.kid() ||
        second.has_kid() != first.has_kid() || second.payload() != first.payload())
      __builtin_trap();
    const jwtx::registered_claims &a = first.claims(), &b = second.claims();
    if (a.exp != b.exp || a.nbf != b.nbf || a.iat != b.iat || a.iss != b.iss || a.sub != b.sub ||
        a.jti != b.jti || a.has_aud != b.has_aud || a.aud != b.aud)
      __builtin_trap();
    if (v.cache() != nullptr && v.options().payload_is_jwt && (!a.has_aud || a.aud.size() == 1) &&
        !second.from_cache() && v.cache()->stats().not_cached_too_big == 0)
      __builtin_trap();  // an ok token with one audience and short strings must hit
  }
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const fixture& f = keys();
  const std::uint8_t selector = data[0];
  const jwtx::verifier_options o = options_for(selector);
  const jwtx::verifier hmac_verifier(f.hmac_keys, o);
  const jwtx::verifier public_verifier(f.public_keys, o);

  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  if ((selector & 32) != 0 && !rest.empty()) {
    // Mint mode: byte 1 picks the signer, the rest is the payload.
    const jwtx::signing_key& signer =
        f.signers[static_cast<std::uint8_t>(rest[0]) % f.signers.size()];
    const std::string token = signer.mint(rest.substr(1));
    const bool is_hmac = jwtx::required_key_type(signer.alg()) == jwtx::key_type::oct;
    const jwtx::verifier& v = is_hmac ? hmac_verifier : public_verifier;
    const jwtx::status s = verify_checked(v, is_hmac ? *f.hmac_keys : *f.public_keys, token);
    // A correctly signed token with the standard header must pass in plain JWS mode.
    const bool too_large = token.size() > o.max_token_bytes;
    if (!o.payload_is_jwt && s != (too_large ? jwtx::status::too_large : jwtx::status::ok))
      __builtin_trap();
    return 0;
  }
  verify_checked(hmac_verifier, *f.hmac_keys, rest);
  verify_checked(public_verifier, *f.public_keys, rest);
  return 0;
}
