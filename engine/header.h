// The JOSE header (RFC 7515 §4.1) of a JWS, read from an already rule-checked JSON object.
//
// jwk, jku, x5u, x5c and x5t are never used to find or trust a key: keys come only from the
// verifier's key_set. Any "crit" is refused: jwtx implements no extension that may be critical
// (RFC 7515 §4.1.11 requires rejecting what is not understood).
#pragma once

#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "engine/algorithm.h"
#include "engine/status.h"

namespace jwtx {

struct jose_header {
  algorithm alg = algorithm::HS256;
  std::string_view kid;  // views into the parser's string buffer
  bool has_kid = false;
  std::string_view typ;
  bool has_typ = false;
};

// Parses the decoded header (|len| bytes at |data|, followed by SIMDJSON_PADDING readable bytes)
// with |parser| in one On-Demand pass that also applies the JSON rules (json_rules.h).
// Returns ok, a JSON-rule status, header_invalid (alg missing; alg/kid/typ/cty not strings),
// alg_not_allowed (alg is not an algorithm jwtx implements, which includes every spelling of
// "none") or crit_unsupported. Views in |out| stay valid until |parser| parses again.
// No allocation once |names| and |parser| are warm; never throws.
status parse_header(simdjson::ondemand::parser& parser, const std::uint8_t* data, std::size_t len,
                    std::size_t max_depth, std::vector<std::string_view>& names,
                    jose_header* out) noexcept;

// RFC 7515 §4.1.9: typ is a media type, compared case-insensitively, "application/" optional.
bool typ_matches(std::string_view actual, std::string_view expected) noexcept;

}  // namespace jwtx
