// Shared test helpers: one generated key per algorithm (cached), token crafting, verifiers.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "engine/jws/base64url/base64url.h"
#include "engine/keys/key_set.h"
#include "engine/signer.h"
#include "engine/verifier.h"

namespace jwtx::testing {

inline constexpr double kNow = 1'700'000'000;  // the injected clock used by most tests

// A generated signing key for |alg| with kid "<alg>-key" (cached per process: RSA keygen is slow).
inline const signing_key& key_for(algorithm alg) {
  static std::map<algorithm, std::unique_ptr<signing_key>> cache;
  auto& slot = cache[alg];
  if (!slot) {
    std::string kid = std::string(algorithm_name(alg)) + "-key";
    auto k = signing_key::generate(alg, kid);
    if (!k) std::abort();
    slot = std::make_unique<signing_key>(std::move(*k));
  }
  return *slot;
}

inline std::string b64(std::string_view s) { return base64url::encode(s); }

// header_json.payload_json.signature-over-both with |signer| using |alg| (which may not fit).
inline std::string craft(const signing_key& signer, algorithm alg, std::string_view header_json,
                         std::string_view payload_json) {
  std::string input = b64(header_json) + "." + b64(payload_json);
  return input + "." + b64(signer.sign_as(alg, input));
}

inline std::string std_header(algorithm alg, std::string_view kid) {
  std::string h = "{\"alg\":\"" + std::string(algorithm_name(alg)) + "\"";
  if (!kid.empty()) h += ",\"kid\":\"" + std::string(kid) + "\"";
  return h + ",\"typ\":\"JWT\"}";
}

// A payload valid at kNow.
inline std::string good_claims(std::string_view extra = {}) {
  std::string p =
      "{\"sub\":\"alice\",\"iss\":\"https://issuer.example\",\"aud\":\"api\","
      "\"exp\":1700000600,\"iat\":1699999900";
  if (!extra.empty()) p += "," + std::string(extra);
  return p + "}";
}

// Public key set with one key per asymmetric algorithm (each JWK pins its "alg").
inline std::shared_ptr<const key_set> asymmetric_set() {
  key_set_builder b;
  for (algorithm a :
       {algorithm::RS256, algorithm::RS384, algorithm::RS512, algorithm::PS256, algorithm::PS384,
        algorithm::PS512, algorithm::ES256, algorithm::ES384, algorithm::ES512, algorithm::EdDSA}) {
    if (b.add_jwk(key_for(a).public_jwk(), "test") != status::ok) std::abort();
  }
  auto r = b.build();
  if (!r) std::abort();
  return r.set;
}

inline std::shared_ptr<const key_set> hmac_set() {
  key_set_builder b;
  for (algorithm a : {algorithm::HS256, algorithm::HS384, algorithm::HS512}) {
    const signing_key& k = key_for(a);
    std::string jwk = k.private_jwk();  // oct: the secret is the key
    if (b.add_jwk(jwk, "test") != status::ok) std::abort();
  }
  auto r = b.build();
  if (!r) std::abort();
  return r.set;
}

inline verifier_options default_options() {
  verifier_options o;
  o.algorithms = algorithm_set::all();
  o.claims.clock = [] { return kNow; };
  o.claims.issuers = {"https://issuer.example"};
  o.claims.audiences = {"api"};
  return o;
}

}  // namespace jwtx::testing
