#include "engine/claims.h"

#include "engine/json_rules.h"

namespace jwtx {
namespace {

namespace rules = ondemand_rules;
using simdjson::ondemand::json_type;

// Copies an unescaped string into |strings| (capacity reserved up front: views stay put).
std::string_view keep(std::string& strings, std::string_view s) {
  const std::size_t at = strings.size();
  strings.append(s);
  return std::string_view(strings).substr(at, s.size());
}

}  // namespace

status parse_claims(simdjson::ondemand::parser& parser, const std::uint8_t* data, std::size_t len,
                    std::size_t max_depth, const std::vector<std::string>& required,
                    std::vector<std::string_view>& names, std::string& strings,
                    simdjson::ondemand::document* doc, registered_claims* out) noexcept {
  out->clear();
  names.clear();
  strings.clear();
  // Unescaped strings are never longer than the JSON they came from, so this is enough.
  if (strings.capacity() < len) strings.reserve(len);
  simdjson::ondemand::object root;
  if (status s = rules::open_object(parser, data, len, doc, &root); s != status::ok) return s;

  std::uint64_t seen = 0;
  status verdict = status::ok;  // claim_type is deferred: JSON-rule violations anywhere win
  auto wrong_type = [&](rules::value v) {
    verdict = status::claim_type;
    return rules::check_value(v, 2, max_depth, names);
  };
  auto number = [&](rules::value v, std::optional<double>* dst) {
    json_type t;
    if (auto e = v.type().get(t)) return status_from_simdjson(e);
    if (t != json_type::number) return wrong_type(v);
    // get_number(), not get_double(): simdjson 3.0's get_double() rejects valid exponents with
    // many leading zeros ("1e00000000000000000000"), which the validation pass accepts.
    simdjson::ondemand::number n;
    if (auto e = v.get_number().get(n)) return status_from_simdjson(e);
    *dst = n.as_double();
    return status::ok;
  };
  auto string = [&](rules::value v, std::optional<std::string_view>* dst) {
    json_type t;
    if (auto e = v.type().get(t)) return status_from_simdjson(e);
    if (t != json_type::string) return wrong_type(v);
    std::string_view str;
    if (auto e = v.get_string().get(str)) return status_from_simdjson(e);
    *dst = keep(strings, str);
    return status::ok;
  };
  auto audience = [&](rules::value v) {
    out->has_aud = true;
    json_type t;
    if (auto e = v.type().get(t)) return status_from_simdjson(e);
    std::string_view str;
    if (t == json_type::string) {
      if (auto e = v.get_string().get(str)) return status_from_simdjson(e);
      out->aud.push_back(keep(strings, str));
      return status::ok;
    }
    if (t != json_type::array) return wrong_type(v);
    simdjson::ondemand::array arr;
    if (auto e = v.get_array().get(arr)) return status_from_simdjson(e);
    for (auto element : arr) {
      rules::value item;
      if (auto e = std::move(element).get(item)) return status_from_simdjson(e);
      json_type it;
      if (auto e = item.type().get(it)) return status_from_simdjson(e);
      if (it != json_type::string) {
        verdict = status::claim_type;
        if (status s = rules::check_value(item, 3, max_depth, names); s != status::ok) return s;
        continue;
      }
      if (auto e = item.get_string().get(str)) return status_from_simdjson(e);
      out->aud.push_back(keep(strings, str));
    }
    return status::ok;
  };

  status s = rules::for_each_member(root, 1, names, [&](std::string_view k, rules::value v) {
    for (std::size_t i = 0; i < required.size() && i < 64; ++i)
      if (required[i] == k) seen |= std::uint64_t{1} << i;
    if (k.size() == 3) {  // every registered claim name has three letters
      if (k == "exp") return number(v, &out->exp);
      if (k == "nbf") return number(v, &out->nbf);
      if (k == "iat") return number(v, &out->iat);
      if (k == "iss") return string(v, &out->iss);
      if (k == "sub") return string(v, &out->sub);
      if (k == "jti") return string(v, &out->jti);
      if (k == "aud") return audience(v);
    }
    return rules::check_value(v, 2, max_depth, names);
  });
  if (s == status::ok) s = rules::finish_document(*doc);
  if (s != status::ok) return s;
  if (required.size() > 64) {
    out->required_present = false;
  } else {
    const std::uint64_t all =
        required.size() == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << required.size()) - 1;
    out->required_present = (seen & all) == all;
  }
  return verdict;
}

}  // namespace jwtx
