// jwtx time rules — the one definition of exp/nbf/iat/max-age, shared by policy::check_policy and
// the token_cache hit re-check, so a cached token can never be judged by other arithmetic.
//
// Rules (leeway L, clock now; all seconds since the Unix epoch):
//   expired          now >= exp + L
//   not_yet_valid    now + L < nbf
//   issued_in_future iat > now + L
//   too_old          now - iat > max_age + L   (max_age set; iat then required)
// They are decided on the exact real values of the doubles involved (no rounding: a leeway of
// 2^-30 s next to a 1.7e9 s clock still counts), and every non-finite or out-of-range input fails
// closed with its own status (see check_times). Nothing here allocates, locks or throws.
#pragma once

#include <optional>
#include <string>

#include "engine/status.h"

namespace jwtx {

// Accepted ranges. Each bound keeps a careless or hostile configuration from disabling the rule
// it belongs to, and keeps every term but the claim below 2^40, which the exact arithmetic needs.
//
// Leeway absorbs clock skew between issuer and verifier: NTP keeps that to seconds, the default is
// 60 s, and one day already lets a token live a day past its exp. More is a unit mistake
// (milliseconds) or an attempt to switch expiry off, which require_exp = false says honestly.
inline constexpr double kMaxLeewaySeconds = 86'400;
// A maximum token age beyond 100 years is again a unit mistake; std::nullopt turns the rule off.
inline constexpr double kMaxAgeLimitSeconds = 100.0 * 365.25 * 86'400;
// Fleet revocation lists sync in seconds; a list a day old is no revocation at all, and fail-closed
// deployments (the only ones this value affects) want to hear about it. nullopt: not checked.
inline constexpr double kMaxRevocationStalenessSeconds = 86'400;
// A clock reading outside [1970-01-01, 9999-12-31T23:59:59Z] is broken, not a time.
inline constexpr double kMinClockSeconds = 0;
inline constexpr double kMaxClockSeconds = 253'402'300'799;

// True for a usable leeway / max age / revocation staleness / clock reading (finite and in the
// range above). NaN is never valid.
// Written as "in range" so that NaN (every comparison false) is never valid. Inline: the verifier
// checks every clock reading.
inline bool valid_leeway(double seconds) noexcept {
  return seconds >= 0 && seconds <= kMaxLeewaySeconds;
}
inline bool valid_max_age(double seconds) noexcept {
  return seconds >= 0 && seconds <= kMaxAgeLimitSeconds;
}
inline bool valid_revocation_staleness(double seconds) noexcept {
  return seconds >= 0 && seconds <= kMaxRevocationStalenessSeconds;
}
inline bool valid_clock(double now) noexcept {
  return now >= kMinClockSeconds && now <= kMaxClockSeconds;
}

// The time-dependent claims of one token and the rules to hold them to.
struct time_claims {
  std::optional<double> exp, nbf, iat;
};
struct time_limits {
  double leeway_seconds = 0;
  std::optional<double> max_age_seconds;
};

// Applies the rules in this order and returns the first that fails:
//   options_invalid   leeway or max_age not valid (above)
//   clock_invalid     !valid_clock(now)
//   claim_type        a present exp/nbf/iat is not finite (JSON cannot produce one; defence)
//   missing_claim     max_age set and no iat
//   expired, not_yet_valid, issued_in_future, too_old   (the rules above, exactly)
// else ok. A token without exp passes the exp rule here (policy::require_exp is checked by the
// caller). No allocation, no lock, never throws.
status check_times(const time_claims& c, const time_limits& l, double now) noexcept;

// |seconds| as text for messages: the shortest decimal that reads back as the same double
// ("60", "1700000000.5", "1e+308"), or "nan", "inf", "-inf". Allocates (messages only).
std::string seconds_text(double seconds);

}  // namespace jwtx
