#include "engine/jws/json_rules.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace jwtx {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

// Objects up to this many members (every realistic JWT) use a fixed 128-slot table on the stack;
// larger ones sort. Both are exact: names are compared in full on any hash match.
constexpr std::size_t kHashedMembers = 64;

std::size_t name_hash(std::string_view k) {
  if (k.empty()) return 0;
  return (k.size() * 31u + static_cast<unsigned char>(k.front()) * 7u +
          static_cast<unsigned char>(k.back()) * 131u +
          static_cast<unsigned char>(k[k.size() / 2])) &
         127u;
}

bool has_duplicate_hashed(const std::string_view* names, std::size_t n) {
  std::uint8_t slots[128];
  std::memset(slots, 0xff, sizeof(slots));
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t h = name_hash(names[i]);
    while (slots[h] != 0xff) {
      if (names[slots[h]] == names[i]) return true;
      h = (h + 1) & 127u;
    }
    slots[h] = static_cast<std::uint8_t>(i);
  }
  return false;
}

bool has_duplicate_sorted(std::vector<std::string_view>& names, std::size_t base) {
  auto first = names.begin() + static_cast<std::ptrdiff_t>(base);
  std::sort(first, names.end());
  return std::adjacent_find(first, names.end()) != names.end();
}

// Recursion depth is bounded by max_depth, which the verifier caps (and simdjson's own parser
// depth limit bounds it again), so the native stack cannot be exhausted by input.
status check(element e, std::size_t depth, std::size_t max_depth,
             std::vector<std::string_view>& names) noexcept {
  switch (e.type()) {
    case element_type::OBJECT: {
      if (depth > max_depth) return status::too_deep;
      simdjson::dom::object obj;
      if (e.get_object().get(obj)) return status::bad_json;
      const std::size_t base = names.size();
      for (auto field : obj) names.push_back(field.key);
      const std::size_t n = names.size() - base;
      const bool dup = n <= kHashedMembers ? has_duplicate_hashed(names.data() + base, n)
                                           : has_duplicate_sorted(names, base);
      names.resize(base);
      if (dup) return status::duplicate_member;
      for (auto field : obj) {
        status s = check(field.value, depth + 1, max_depth, names);
        if (s != status::ok) return s;
      }
      return status::ok;
    }
    case element_type::ARRAY: {
      if (depth > max_depth) return status::too_deep;
      simdjson::dom::array arr;
      if (e.get_array().get(arr)) return status::bad_json;
      for (element child : arr) {
        status s = check(child, depth + 1, max_depth, names);
        if (s != status::ok) return s;
      }
      return status::ok;
    }
    default:
      return status::ok;
  }
}

}  // namespace

status status_from_simdjson(simdjson::error_code e) noexcept {
  switch (e) {
    case simdjson::SUCCESS:
      return status::ok;
    case simdjson::UTF8_ERROR:
      return status::bad_utf8;
    case simdjson::DEPTH_ERROR:
      return status::too_deep;
    default:
      return status::bad_json;
  }
}

status check_json_rules(element root, std::size_t max_depth,
                        std::vector<std::string_view>& names) noexcept {
  if (root.type() != element_type::OBJECT) return status::not_object;
  names.clear();
  // push_back may allocate while |names| grows to its working size; it never shrinks.
  return check(root, 1, max_depth, names);
}

status parse_json_object(simdjson::dom::parser& parser, const std::uint8_t* data, std::size_t len,
                         std::size_t max_depth, std::vector<std::string_view>& names,
                         element* root) noexcept {
  auto doc = parser.parse(data, len, /*realloc_if_needed=*/false);
  if (doc.error()) return status_from_simdjson(doc.error());
  *root = doc.value_unsafe();
  return check_json_rules(*root, max_depth, names);
}

}  // namespace jwtx
