#include "engine/json_rules.h"

#include <algorithm>

namespace jwtx {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

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
      bool dup = false;
      if (n <= 8) {
        for (std::size_t i = base; i < names.size() && !dup; ++i)
          for (std::size_t j = i + 1; j < names.size(); ++j)
            if (names[i] == names[j]) {
              dup = true;
              break;
            }
      } else {
        std::sort(names.begin() + static_cast<std::ptrdiff_t>(base), names.end());
        dup = std::adjacent_find(names.begin() + static_cast<std::ptrdiff_t>(base), names.end()) !=
              names.end();
      }
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
