#include "engine/status.h"

#include <array>
#include <ostream>

namespace jwtx {
namespace {

// The single name table. Order must match the enum.
constexpr std::array<std::string_view, kStatusCount> kNames = {
    "ok",
    "malformed",
    "too_large",
    "unsupported_jwe",
    "bad_base64",
    "bad_json",
    "bad_utf8",
    "not_object",
    "duplicate_member",
    "too_deep",
    "header_invalid",
    "alg_not_allowed",
    "alg_key_mismatch",
    "key_not_found",
    "key_too_small",
    "crit_unsupported",
    "typ_mismatch",
    "bad_signature",
    "expired",
    "not_yet_valid",
    "issued_in_future",
    "too_old",
    "issuer_mismatch",
    "audience_mismatch",
    "missing_claim",
    "claim_type",
    "revoked",
    "key_invalid",
    "key_set_invalid",
    "internal_error",
    "revocation_unavailable",
    "options_invalid",
    "clock_invalid",
    "overloaded",
    "shutting_down",
};

}  // namespace

std::string_view status_name(status s) noexcept {
  auto i = static_cast<std::size_t>(s);
  return i < kNames.size() ? kNames[i] : std::string_view("internal_error");
}

std::optional<status> status_from_name(std::string_view name) noexcept {
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == name) return static_cast<status>(i);
  }
  return std::nullopt;
}

std::ostream& operator<<(std::ostream& os, status s) { return os << status_name(s); }

}  // namespace jwtx
