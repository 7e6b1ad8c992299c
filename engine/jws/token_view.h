// Splitting a JWS compact token into its segments (RFC 7515 §7.1), without copying.
#pragma once

#include <string_view>

#include "engine/status.h"

namespace jwtx {

struct token_view {
  std::string_view header;         // base64url, non-empty
  std::string_view payload;        // base64url, may be empty (RFC 7515 allows an empty payload)
  std::string_view signature;      // base64url, may be empty (then verification fails)
  std::string_view signing_input;  // header '.' payload: exactly the bytes that were signed
};

// Returns ok, malformed (not exactly two dots, or empty header) or unsupported_jwe (four dots:
// the five-segment JWE compact form). No allocation, never throws.
status split_token(std::string_view token, token_view* out) noexcept;

}  // namespace jwtx
