#include "engine/jws/claims.h"

#include <cmath>

namespace jwtx {
namespace {

bool read_number(simdjson::dom::element v, std::optional<double>* out) {
  switch (v.type()) {
    case simdjson::dom::element_type::INT64:
      *out = static_cast<double>(v.get_int64().value_unsafe());
      return true;
    case simdjson::dom::element_type::UINT64:
      *out = static_cast<double>(v.get_uint64().value_unsafe());
      return true;
    case simdjson::dom::element_type::DOUBLE:
      *out = v.get_double().value_unsafe();
      // simdjson refuses 1e400 (bad_json) and has no NaN; kept as a guard for any other source.
      return std::isfinite(**out);
    default:
      return false;
  }
}

bool read_string(simdjson::dom::element v, std::optional<std::string_view>* out) {
  std::string_view s;
  if (v.get_string().get(s)) return false;
  *out = s;
  return true;
}

// The registered name equal to |k| as a static string (|k| views the parser's buffer).
std::string_view static_name(std::string_view k) {
  for (std::string_view name : {"exp", "nbf", "iat", "iss", "sub", "jti", "aud"})
    if (k == name) return name;
  return "a registered claim";
}

}  // namespace

status read_claims(simdjson::dom::object claims, registered_claims* out,
                   std::string_view* bad_claim) noexcept {
  out->clear();
  auto fail = [&](std::string_view name) {
    out->clear();
    if (bad_claim) *bad_claim = name;
    return status::claim_type;
  };
  for (auto field : claims) {
    const std::string_view k = field.key;
    bool ok = true;
    if (k.size() != 3) continue;  // every registered claim name has three letters
    if (k == "exp") {
      ok = read_number(field.value, &out->exp);
    } else if (k == "nbf") {
      ok = read_number(field.value, &out->nbf);
    } else if (k == "iat") {
      ok = read_number(field.value, &out->iat);
    } else if (k == "iss") {
      ok = read_string(field.value, &out->iss);
    } else if (k == "sub") {
      ok = read_string(field.value, &out->sub);
    } else if (k == "jti") {
      ok = read_string(field.value, &out->jti);
    } else if (k == "aud") {
      out->has_aud = true;
      std::string_view s;
      if (!field.value.get_string().get(s)) {
        out->aud.push_back(s);
      } else if (simdjson::dom::array arr; !field.value.get_array().get(arr)) {
        for (simdjson::dom::element e : arr) {
          if (e.get_string().get(s)) return fail("aud");
          out->aud.push_back(s);
        }
      } else {
        ok = false;
      }
    }
    if (!ok) return fail(static_name(k));
  }
  return status::ok;
}

}  // namespace jwtx
