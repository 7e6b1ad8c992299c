// Registered JWT claims (RFC 7519 §4.1), extracted in one pass over the verified claims object.
#pragma once

#include <simdjson.h>

#include <optional>
#include <string_view>
#include <vector>

#include "engine/status.h"

namespace jwtx {

// Strings view into the parser that parsed the claims (owned by the verify_result).
struct registered_claims {
  std::optional<double> exp, nbf, iat;
  std::optional<std::string_view> iss, sub, jti;
  bool has_aud = false;
  std::vector<std::string_view> aud;  // a string aud becomes a one-element list

  void clear() noexcept {
    exp.reset(), nbf.reset(), iat.reset(), iss.reset(), sub.reset(), jti.reset();
    has_aud = false;
    aud.clear();  // keeps capacity: no allocation on reuse
  }
};

// Fills |out| from |claims|. exp/nbf/iat must be finite numbers (integer or fraction); iss/sub/jti
// strings; aud a string or an array of strings. Returns ok, or claim_type with |out| cleared (no
// half-read claims survive a failure) and, when |bad_claim| is not null, *bad_claim naming the
// first offending claim ("exp", "aud", ...; a static string, never token content).
status read_claims(simdjson::dom::object claims, registered_claims* out,
                   std::string_view* bad_claim = nullptr) noexcept;

}  // namespace jwtx
