#include "engine/jws/algorithm.h"

#include <array>

namespace jwtx {
namespace {

struct algorithm_info {
  std::string_view name;
  key_type kty;
  curve crv;
  std::size_t hash_bytes;
};

constexpr std::array<algorithm_info, kAlgorithmCount> kInfo = {{
    {"HS256", key_type::oct, curve::none, 32},
    {"HS384", key_type::oct, curve::none, 48},
    {"HS512", key_type::oct, curve::none, 64},
    {"RS256", key_type::rsa, curve::none, 32},
    {"RS384", key_type::rsa, curve::none, 48},
    {"RS512", key_type::rsa, curve::none, 64},
    {"PS256", key_type::rsa, curve::none, 32},
    {"PS384", key_type::rsa, curve::none, 48},
    {"PS512", key_type::rsa, curve::none, 64},
    {"ES256", key_type::ec, curve::p256, 32},
    {"ES384", key_type::ec, curve::p384, 48},
    {"ES512", key_type::ec, curve::p521, 64},
    {"EdDSA", key_type::okp, curve::ed25519, 64},
}};

const algorithm_info& info(algorithm a) { return kInfo[static_cast<std::size_t>(a)]; }

}  // namespace

std::string_view algorithm_name(algorithm a) noexcept { return info(a).name; }

std::optional<algorithm> algorithm_from_name(std::string_view name) noexcept {
  for (std::size_t i = 0; i < kInfo.size(); ++i) {
    if (kInfo[i].name == name) return static_cast<algorithm>(i);
  }
  return std::nullopt;
}

key_type required_key_type(algorithm a) noexcept { return info(a).kty; }
curve required_curve(algorithm a) noexcept { return info(a).crv; }
std::size_t hash_size(algorithm a) noexcept { return info(a).hash_bytes; }

std::string_view key_type_name(key_type t) noexcept {
  switch (t) {
    case key_type::oct:
      return "oct";
    case key_type::rsa:
      return "RSA";
    case key_type::ec:
      return "EC";
    case key_type::okp:
      return "OKP";
  }
  return "";
}

std::string_view curve_name(curve c) noexcept {
  switch (c) {
    case curve::none:
      return "";
    case curve::p256:
      return "P-256";
    case curve::p384:
      return "P-384";
    case curve::p521:
      return "P-521";
    case curve::ed25519:
      return "Ed25519";
  }
  return "";
}

std::optional<algorithm_set> parse_algorithm_list(std::string_view csv, std::string_view* bad) {
  algorithm_set set;
  while (!csv.empty()) {
    std::size_t comma = csv.find(',');
    std::string_view item = csv.substr(0, comma);
    csv = comma == std::string_view::npos ? std::string_view() : csv.substr(comma + 1);
    auto a = algorithm_from_name(item);
    if (!a) {
      if (bad) *bad = item;
      return std::nullopt;
    }
    set.add(*a);
  }
  return set;
}

}  // namespace jwtx
