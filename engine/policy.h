// jwtx::policy — the claim checklist run after a signature verified (RFC 7519 §4.1).
//
// All times are seconds since the Unix epoch. Numeric dates may be integers or fractions; any other
// JSON type for exp/nbf/iat is status::claim_type. Comparisons (leeway L, clock now), decided
// exactly by check_times() in engine/time_rules.h, the one definition the token cache uses too:
//   expired          now >= exp + L          (exp required unless require_exp == false)
//   not_yet_valid    now + L < nbf
//   issued_in_future iat > now + L
//   too_old          now - iat > max_age + L (max_age set; iat then required)
// Fail closed: a NaN, infinite or out-of-range leeway / max_age is options_invalid, such a clock
// reading clock_invalid (ranges and reasons in engine/time_rules.h); neither can ever yield ok.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/jws/claims.h"
#include "engine/status.h"
#include "engine/time_rules.h"

namespace jwtx {

class revocation_set;

// Returns the current time in (fractional) Unix seconds. Must be thread-safe.
using clock_fn = std::function<double()>;

// The system clock (CLOCK_REALTIME).
double system_now() noexcept;

struct policy {
  // In [0, kMaxLeewaySeconds] (one day).
  double leeway_seconds = 60;
  bool require_exp = true;
  // In [0, kMaxAgeLimitSeconds] (100 years) when set.
  std::optional<double> max_age_seconds;
  // Allowed issuers; empty accepts any (or no) iss.
  std::vector<std::string> issuers;
  // Allowed audiences; a token passes if at least one of its aud values is listed. When empty, a
  // token that carries an aud is rejected (RFC 7519 §4.1.3: a recipient that does not identify
  // itself with the aud value MUST reject) unless ignore_aud_when_unconfigured is set.
  std::vector<std::string> audiences;
  bool ignore_aud_when_unconfigured = false;
  // Claim names that must be present (any type), e.g. {"sub", "jti"}.
  std::vector<std::string> required_claims;
  // Required "typ" header value, compared case-insensitively, with an optional "application/"
  // prefix ignored (RFC 7515 §4.1.9). Empty: typ is not checked.
  std::string typ;
  // Revoked jti values (borrowed; must outlive the verifier). Null: no revocation check.
  const revocation_set* revoked = nullptr;
  // Fleet revocation freshness (|revoked| kept in sync by a redis_revocation_feed): once the list
  // is older than this (now - revoked->synced_at()), a token that carries a jti is accepted anyway
  // (fail-open, the default) or rejected with revocation_unavailable (revocation_fail_closed).
  // Tokens without a jti cannot be revoked, so they never depend on the list. Empty: not checked.
  // In [0, kMaxRevocationStalenessSeconds] (one day) when set.
  std::optional<double> revocation_max_staleness_seconds;
  bool revocation_fail_closed = false;
  // Injected clock; empty uses system_now(). A reading that is NaN, infinite or outside
  // [1970, 9999] fails the token with clock_invalid (never ok, on the cache hit path too).
  clock_fn clock;
};

// Checks the numeric fields of |p| against the ranges above (NaN is never in range). Returns ok, or
// options_invalid with one sentence naming the first offending field and its accepted range in
// *why (when why is not null). For the API boundary (CLI flags, config files): a verifier built
// with such a policy fails every token with options_invalid. May allocate (the message).
status validate_policy(const policy& p, std::string* why);

// Runs the checklist in this order: missing_claim (required names, exp if require_exp, iat if
// max_age), check_times() (options_invalid, clock_invalid, claim_type, expired, not_yet_valid,
// issued_in_future, too_old), issuer_mismatch, audience_mismatch, then check_revocation().
// |claims| is the verified claims object |c| was read from. |list_age| as for check_revocation().
// No allocation, no lock, never throws.
status check_policy(const policy& p, const registered_claims& c, simdjson::dom::object claims,
                    double now, double* list_age = nullptr) noexcept;

// The revocation step alone (also run on every token_cache hit): revoked if |jti| is listed;
// revocation_unavailable if the list is stale (or |now| or the staleness limit is NaN) and the
// policy fails closed; else ok. On revocation_unavailable, *list_age (if not null) receives
// now - synced_at, for the failure's detail. Lock-free (revocation_set::contains), no allocation,
// never throws.
status check_revocation(const policy& p, std::optional<std::string_view> jti, double now,
                        double* list_age = nullptr) noexcept;

}  // namespace jwtx
