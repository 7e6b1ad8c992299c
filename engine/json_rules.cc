#include "engine/json_rules.h"

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
      const bool dup = has_duplicate_names(names.data() + base, n);
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

}  // namespace

bool has_duplicate_names(std::string_view* names, std::size_t n) noexcept {
  if (n < 2) return false;
  if (n <= kHashedMembers) return has_duplicate_hashed(names, n);
  std::sort(names, names + n);
  return std::adjacent_find(names, names + n) != names + n;
}

namespace ondemand_rules {

status check_value(value v, std::size_t depth, std::size_t max_depth,
                   std::vector<std::string_view>& names) noexcept {
  simdjson::ondemand::json_type type;
  if (auto e = v.type().get(type)) return status_from_simdjson(e);
  switch (type) {
    case simdjson::ondemand::json_type::object: {
      if (depth > max_depth) return status::too_deep;
      object obj;
      if (auto e = v.get_object().get(obj)) return status_from_simdjson(e);
      return for_each_member(obj, depth, names, [&](std::string_view, value child) {
        return check_value(child, depth + 1, max_depth, names);
      });
    }
    case simdjson::ondemand::json_type::array: {
      if (depth > max_depth) return status::too_deep;
      simdjson::ondemand::array arr;
      if (auto e = v.get_array().get(arr)) return status_from_simdjson(e);
      for (auto element : arr) {
        value child;
        if (auto e = std::move(element).get(child)) return status_from_simdjson(e);
        if (status s = check_value(child, depth + 1, max_depth, names); s != status::ok) return s;
      }
      return status::ok;
    }
    case simdjson::ondemand::json_type::string: {
      std::string_view str;
      return status_from_simdjson(v.get_string().get(str));
    }
    case simdjson::ondemand::json_type::number: {
      simdjson::ondemand::number num;
      return status_from_simdjson(v.get_number().get(num));
    }
    case simdjson::ondemand::json_type::boolean: {
      bool b;
      return status_from_simdjson(v.get_bool().get(b));
    }
    case simdjson::ondemand::json_type::null: {
      bool is_null = false;
      if (auto e = v.is_null().get(is_null)) return status_from_simdjson(e);
      return is_null ? status::ok : status::bad_json;
    }
  }
  return status::bad_json;
}

namespace {

bool root_is_valid_json(simdjson::ondemand::document& doc, simdjson::ondemand::json_type type) {
  using simdjson::ondemand::json_type;
  bool ok = false;
  switch (type) {
    case json_type::array: {
      simdjson::ondemand::array arr;
      if (doc.get_array().get(arr)) return false;
      std::vector<std::string_view> names;  // error path only: allocation is acceptable here
      ok = true;
      for (auto element : arr) {
        value child;
        if (std::move(element).get(child) || check_value(child, 2, 1024, names) != status::ok) {
          ok = false;
          break;
        }
      }
      break;
    }
    case json_type::string: {
      std::string_view str;
      ok = doc.get_string().get(str) == simdjson::SUCCESS;
      break;
    }
    case json_type::number: {
      simdjson::ondemand::number num;
      ok = doc.get_number().get(num) == simdjson::SUCCESS;
      break;
    }
    case json_type::boolean: {
      bool b;
      ok = doc.get_bool().get(b) == simdjson::SUCCESS;
      break;
    }
    case json_type::null: {
      bool is_null = false;
      ok = doc.is_null().get(is_null) == simdjson::SUCCESS && is_null;
      break;
    }
    default:
      break;
  }
  return ok && finish_document(doc) == status::ok;
}

}  // namespace

status open_object(simdjson::ondemand::parser& parser, const std::uint8_t* data, std::size_t len,
                   simdjson::ondemand::document* doc, object* root) noexcept {
  if (auto e = parser.iterate(data, len, len + simdjson::SIMDJSON_PADDING).get(*doc))
    return status_from_simdjson(e);
  simdjson::ondemand::json_type type;
  if (auto e = doc->type().get(type)) return status_from_simdjson(e);
  if (type == simdjson::ondemand::json_type::object)
    return status_from_simdjson(doc->get_object().get(*root));
  // Not an object: still tell malformed JSON (bad_json) from a valid non-object (not_object).
  return root_is_valid_json(*doc, type) ? status::not_object : status::bad_json;
}

status finish_document(simdjson::ondemand::document& doc) noexcept {
  const char* at = nullptr;
  // In bounds after the root object means a second value (or garbage) follows it.
  return doc.current_location().get(at) == simdjson::SUCCESS ? status::bad_json : status::ok;
}

}  // namespace ondemand_rules

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
