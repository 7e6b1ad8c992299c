// The JOSE header (RFC 7515 §4.1) of a JWS, read from an already rule-checked JSON object.
//
// jwk, jku, x5u, x5c and x5t are never used to find or trust a key: keys come only from the
// verifier's key_set. Any "crit" is refused: jwtx implements no extension that may be critical
// (RFC 7515 §4.1.11 requires rejecting what is not understood).
#pragma once

#include <simdjson.h>

#include <string_view>

#include "engine/jws/algorithm.h"
#include "engine/status.h"

namespace jwtx {

struct jose_header {
  algorithm alg = algorithm::HS256;
  std::string_view kid;  // views into the parser's string buffer
  bool has_kid = false;
  std::string_view typ;
  bool has_typ = false;
};

// Returns ok, header_invalid (alg missing; alg/kid/typ/cty not strings), alg_not_allowed (alg is
// not an algorithm jwtx implements, which includes every spelling of "none") or crit_unsupported.
status read_header(simdjson::dom::object header, jose_header* out) noexcept;

// RFC 7515 §4.1.9: typ is a media type, compared case-insensitively, "application/" optional.
bool typ_matches(std::string_view actual, std::string_view expected) noexcept;

}  // namespace jwtx
