// Registered JWT claims (RFC 7519 §4.1), read in the same single On-Demand pass that validates
// the whole claims object against the JSON rules (json_rules.h).
#pragma once

#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/status.h"

namespace jwtx {

// Strings view into the caller's |strings| buffer (owned by the verify_result).
struct registered_claims {
  std::optional<double> exp, nbf, iat;
  std::optional<std::string_view> iss, sub, jti;
  bool has_aud = false;
  std::vector<std::string_view> aud;  // a string aud becomes a one-element list
  // False if any name in policy::required_claims is absent from the top-level object.
  bool required_present = true;

  void clear() noexcept {
    exp.reset(), nbf.reset(), iat.reset(), iss.reset(), sub.reset(), jti.reset();
    has_aud = false;
    aud.clear();  // keeps capacity: no allocation on reuse
    required_present = true;
  }
};

// Parses the decoded payload (|len| bytes at |data|, followed by SIMDJSON_PADDING readable bytes)
// into |*doc| with |parser| and reads the registered claims in the same pass. exp/nbf/iat must be
// numbers (integer or fraction); iss/sub/jti strings; aud a string or an array of strings.
// |required| names claims that must be present (at most 64 are tracked; a longer list fails
// closed with required_present = false). Unescaped iss/sub/jti/aud are copied into |strings|,
// whose capacity is made >= len first so the views never move.
// Returns ok, a JSON-rule status, or claim_type (reported only if the whole object is valid JSON).
// No allocation once the buffers are warm; never throws.
status parse_claims(simdjson::ondemand::parser& parser, const std::uint8_t* data, std::size_t len,
                    std::size_t max_depth, const std::vector<std::string>& required,
                    std::vector<std::string_view>& names, std::string& strings,
                    simdjson::ondemand::document* doc, registered_claims* out) noexcept;

}  // namespace jwtx
