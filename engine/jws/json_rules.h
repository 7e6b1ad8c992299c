// Structural rules jwtx applies to every JSON object it reads (JOSE header, claims, JWK):
// the root is an object, no object anywhere has two members with the same (unescaped) name, and
// nesting is bounded. simdjson has already validated syntax and UTF-8.
#pragma once

#include <simdjson.h>

#include <cstddef>
#include <string_view>
#include <vector>

#include "engine/status.h"

namespace jwtx {

// Maps a simdjson parse error to a jwtx status (bad_utf8, too_deep, bad_json).
status status_from_simdjson(simdjson::error_code e) noexcept;

// Checks the rules on |root|. |names| is caller-owned scratch (reused: no allocation once warm).
// Returns ok, not_object, duplicate_member or too_deep. Never throws.
status check_json_rules(simdjson::dom::element root, std::size_t max_depth,
                        std::vector<std::string_view>& names) noexcept;

// Parses |len| bytes at |data| (which must be followed by SIMDJSON_PADDING readable bytes) and
// applies check_json_rules. On ok, *root is the document root (valid while |parser| is unchanged).
status parse_json_object(simdjson::dom::parser& parser, const std::uint8_t* data, std::size_t len,
                         std::size_t max_depth, std::vector<std::string_view>& names,
                         simdjson::dom::element* root) noexcept;

}  // namespace jwtx
