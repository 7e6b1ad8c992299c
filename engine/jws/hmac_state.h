// Internal: an HMAC key schedule computed once per key (inner and outer pads already hashed).
// verify copies it into a per-thread context instead of re-keying for every token.
#pragma once

#include <openssl/hmac.h>

#include <memory>
#include <string_view>

#include "engine/jws/algorithm.h"

namespace jwtx::detail {

struct hmac_state {
  HMAC_CTX ctx;
  algorithm alg;

  hmac_state() { HMAC_CTX_init(&ctx); }
  ~hmac_state() { HMAC_CTX_cleanup(&ctx); }
  hmac_state(const hmac_state&) = delete;
  hmac_state& operator=(const hmac_state&) = delete;

  // Null on BoringSSL failure.
  static std::unique_ptr<hmac_state> create(algorithm a, std::string_view secret);
};

}  // namespace jwtx::detail
