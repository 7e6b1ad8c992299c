// Structural rules jwtx applies to every JSON object it reads (JOSE header, claims, JWK):
// the root is an object, no object anywhere has two members with the same (unescaped) name,
// nesting is bounded, and every value is well-formed JSON.
//
// Two front ends share the rules: the DOM one (key loading, not on the hot path) and the
// On-Demand one (header and claims on the verify hot path), which checks everything in the same
// single pass that reads the registered members. On-Demand only validates what it visits, so
// the walker below visits every value at every depth: a skipped value would be unvalidated.
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

// True if two of |names| are equal. Exact comparison; a stack hash table for up to 64 names,
// sorting (|names| is reordered) beyond that. No allocation.
bool has_duplicate_names(std::string_view* names, std::size_t n) noexcept;

namespace ondemand_rules {

using simdjson::ondemand::object;
using simdjson::ondemand::value;

// Validates |v| completely (it is consumed), applying the rules at nesting |depth| (the root
// object is depth 1). Returns ok, bad_json, bad_utf8, duplicate_member or too_deep.
status check_value(value v, std::size_t depth, std::size_t max_depth,
                   std::vector<std::string_view>& names) noexcept;

// Iterates the members of |obj| (at nesting |depth|), calling on_member(key, value) for each with
// the unescaped key; on_member must consume the value (e.g. via check_value) and return a status.
// Duplicate names are detected after the last member. |names| is shared scratch: keys stay valid
// until the document is rewound or re-parsed.
template <class OnMember>
status for_each_member(object obj, std::size_t depth, std::vector<std::string_view>& names,
                       OnMember&& on_member) noexcept {
  const std::size_t base = names.size();
  for (auto member : obj) {
    simdjson::ondemand::field f;
    if (auto e = std::move(member).get(f)) return status_from_simdjson(e);
    std::string_view key;
    if (auto e = f.unescaped_key().get(key)) return status_from_simdjson(e);
    names.push_back(key);
    if (status s = on_member(key, f.value()); s != status::ok) return s;
  }
  const bool dup = has_duplicate_names(names.data() + base, names.size() - base);
  names.resize(base);
  (void)depth;
  return dup ? status::duplicate_member : status::ok;
}

// Starts a document over |len| bytes at |data| (followed by SIMDJSON_PADDING readable bytes) and
// returns its root object. not_object if the root is valid JSON of another type.
status open_object(simdjson::ondemand::parser& parser, const std::uint8_t* data, std::size_t len,
                   simdjson::ondemand::document* doc, object* root) noexcept;

// After the root object was fully iterated: bad_json if anything but whitespace follows it.
status finish_document(simdjson::ondemand::document& doc) noexcept;

}  // namespace ondemand_rules

}  // namespace jwtx
