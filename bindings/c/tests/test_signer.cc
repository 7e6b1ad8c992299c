// Test-only helpers behind test_signer.h (see there).
#include "test_signer.h"

#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/jws/base64url/base64url.h"
#include "engine/signer.h"
#include "tests/redis_server.h"

struct jt_key {
  jwtx::signing_key key;
};

namespace {

char* dup(const std::string& s) {
  char* p = static_cast<char*>(std::malloc(s.size() + 1));
  if (p) std::memcpy(p, s.c_str(), s.size() + 1);
  return p;
}

std::unique_ptr<jwtx::testing::redis_server> g_redis;

}  // namespace

extern "C" {

jt_key* jt_key_generate(const char* alg, const char* kid) {
  auto a = jwtx::algorithm_from_name(alg);
  if (!a) return nullptr;
  std::string error;
  auto k = jwtx::signing_key::generate(*a, kid ? kid : "", 2048, &error);
  if (!k) {
    std::cerr << "jt_key_generate: " << error << "\n";
    return nullptr;
  }
  return new jt_key{std::move(*k)};
}

jt_key* jt_key_hmac(const unsigned char* secret, size_t len, const char* alg, const char* kid) {
  auto a = jwtx::algorithm_from_name(alg);
  if (!a) return nullptr;
  return new jt_key{jwtx::signing_key::from_hmac_secret(
      std::string(reinterpret_cast<const char*>(secret), len), *a, kid ? kid : "")};
}

void jt_key_free(jt_key* k) { delete k; }

char* jt_jwks(const jt_key* const* keys, size_t n) {
  std::vector<std::string> jwks;
  for (size_t i = 0; i < n; ++i) jwks.push_back(keys[i]->key.public_jwk());
  return dup(jwtx::make_jwks(jwks));
}

char* jt_public_pem(const jt_key* k) { return dup(k->key.public_pem()); }

char* jt_mint(const jt_key* k, const char* payload_json, const char* header_json) {
  return dup(k->key.mint(payload_json, header_json ? header_json : ""));
}

char* jt_b64url(const char* bytes, size_t len) {
  std::string out(jwtx::base64url::encoded_size(len), '\0');
  out.resize(
      jwtx::base64url::encode(reinterpret_cast<const std::uint8_t*>(bytes), len, out.data()));
  return dup(out);
}

unsigned jt_redis_start(void) {
  g_redis = std::make_unique<jwtx::testing::redis_server>();
  std::string error;
  if (!g_redis->start(&error)) {
    std::cerr << "jt_redis_start: " << error << "\n";
    return 0;
  }
  return g_redis->port();
}

void jt_redis_stop(void) { g_redis.reset(); }

}  // extern "C"
