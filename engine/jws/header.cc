#include "engine/jws/header.h"

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

status read_header(simdjson::dom::object header, jose_header* out) noexcept {
  bool has_alg = false;
  std::string_view alg_name;
  for (auto field : header) {
    const std::string_view k = field.key;
    if (k == "alg") {
      if (field.value.get_string().get(alg_name)) return status::header_invalid;
      has_alg = true;
    } else if (k == "kid") {
      if (field.value.get_string().get(out->kid)) return status::header_invalid;
      out->has_kid = true;
    } else if (k == "typ") {
      if (field.value.get_string().get(out->typ)) return status::header_invalid;
      out->has_typ = true;
    } else if (k == "cty") {
      std::string_view cty;
      if (field.value.get_string().get(cty)) return status::header_invalid;
    } else if (k == "crit") {
      return status::crit_unsupported;
    }
    // Everything else (jwk, jku, x5u, x5c, x5t, private names) is deliberately ignored.
  }
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
