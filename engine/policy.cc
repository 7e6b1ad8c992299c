#include "engine/policy.h"

#include <ctime>

namespace jwtx {

double system_now() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

}  // namespace jwtx

#include "engine/revocation.h"

namespace jwtx {

status check_policy(const policy& p, const registered_claims& c, simdjson::dom::object claims,
                    double now) noexcept {
  for (const std::string& name : p.required_claims) {
    if (claims.at_key(name).error()) return status::missing_claim;
  }
  if (p.require_exp && !c.exp) return status::missing_claim;
  if (p.max_age_seconds && !c.iat) return status::missing_claim;

  const double leeway = p.leeway_seconds;
  if (c.exp && now >= *c.exp + leeway) return status::expired;
  if (c.nbf && now + leeway < *c.nbf) return status::not_yet_valid;
  if (c.iat && *c.iat > now + leeway) return status::issued_in_future;
  if (p.max_age_seconds && now - *c.iat > *p.max_age_seconds + leeway) return status::too_old;

  if (!p.issuers.empty()) {
    if (!c.iss) return status::issuer_mismatch;
    bool found = false;
    for (const std::string& iss : p.issuers) found = found || iss == *c.iss;
    if (!found) return status::issuer_mismatch;
  }
  if (!p.audiences.empty()) {
    bool found = false;
    for (std::string_view a : c.aud)
      for (const std::string& allowed : p.audiences) found = found || allowed == a;
    if (!found) return status::audience_mismatch;
  } else if (c.has_aud && !p.ignore_aud_when_unconfigured) {
    return status::audience_mismatch;
  }
  return check_revocation(p, c.jti, now);
}

status check_revocation(const policy& p, std::optional<std::string_view> jti, double now) noexcept {
  if (!p.revoked || !jti) return status::ok;
  if (p.revoked->contains(*jti)) return status::revoked;
  // NaN-safe: a list never synced (synced_at 0) is stale; one nobody syncs is +infinity.
  if (p.revocation_max_staleness_seconds &&
      !(now - p.revoked->synced_at() <= *p.revocation_max_staleness_seconds) &&
      p.revocation_fail_closed)
    return status::revocation_unavailable;
  return status::ok;
}

}  // namespace jwtx
