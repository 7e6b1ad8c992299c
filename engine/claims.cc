#include "engine/claims.h"

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
      return true;
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

}  // namespace

status read_claims(simdjson::dom::object claims, registered_claims* out) noexcept {
  out->clear();
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
          if (e.get_string().get(s)) return status::claim_type;
          out->aud.push_back(s);
        }
      } else {
        ok = false;
      }
    }
    if (!ok) return status::claim_type;
  }
  return status::ok;
}

}  // namespace jwtx
