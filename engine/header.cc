#include "engine/header.h"

#include "engine/json_rules.h"

namespace jwtx {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::string_view strip_application(std::string_view t) {
  constexpr std::string_view kPrefix = "application/";
  if (t.size() > kPrefix.size() && iequals(t.substr(0, kPrefix.size()), kPrefix))
    return t.substr(kPrefix.size());
  return t;
}

}  // namespace

status parse_header(simdjson::ondemand::parser& parser, const std::uint8_t* data, std::size_t len,
                    std::size_t max_depth, std::vector<std::string_view>& names,
                    jose_header* out) noexcept {
  namespace rules = ondemand_rules;
  simdjson::ondemand::document doc;
  simdjson::ondemand::object root;
  if (status s = rules::open_object(parser, data, len, &doc, &root); s != status::ok) return s;
  names.clear();
  bool has_alg = false;
  std::string_view alg_name;
  // Header-level verdicts are deferred so that JSON-rule violations anywhere win.
  status verdict = status::ok;
  auto string_member = [&](rules::value v, std::string_view* dst) {
    if (v.get_string().get(*dst) == simdjson::SUCCESS) return status::ok;
    if (verdict == status::ok) verdict = status::header_invalid;
    return rules::check_value(v, 2, max_depth, names);
  };
  status s = rules::for_each_member(root, 1, names, [&](std::string_view k, rules::value v) {
    if (k == "alg") {
      has_alg = true;
      return string_member(v, &alg_name);
    }
    if (k == "kid") {
      out->has_kid = true;
      return string_member(v, &out->kid);
    }
    if (k == "typ") {
      out->has_typ = true;
      return string_member(v, &out->typ);
    }
    if (k == "cty") {
      std::string_view cty;
      return string_member(v, &cty);
    }
    if (k == "crit" && verdict == status::ok) verdict = status::crit_unsupported;
    // Everything else (jwk, jku, x5u, x5c, x5t, private names) is validated and ignored.
    return rules::check_value(v, 2, max_depth, names);
  });
  if (s == status::ok) s = rules::finish_document(doc);
  if (s != status::ok) return s;
  if (verdict != status::ok) return verdict;
  if (!has_alg) return status::header_invalid;
  auto alg = algorithm_from_name(alg_name);
  if (!alg) return status::alg_not_allowed;
  out->alg = *alg;
  return status::ok;
}

bool typ_matches(std::string_view actual, std::string_view expected) noexcept {
  return iequals(strip_application(actual), strip_application(expected));
}

}  // namespace jwtx
