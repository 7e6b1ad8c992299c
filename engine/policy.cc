#include "engine/policy.h"

#include <ctime>

#include "engine/revocation/revocation.h"

namespace jwtx {

double system_now() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

status validate_policy(const policy& p, std::string* why) {
  auto refuse = [why](const char* field, double value, double max) {
    if (why) {
      *why = std::string(field) + " is " + seconds_text(value) +
             "; it must be a finite number of seconds in [0, " + seconds_text(max) + "]";
    }
    return status::options_invalid;
  };
  if (!valid_leeway(p.leeway_seconds))
    return refuse("leeway_seconds", p.leeway_seconds, kMaxLeewaySeconds);
  if (p.max_age_seconds && !valid_max_age(*p.max_age_seconds))
    return refuse("max_age_seconds", *p.max_age_seconds, kMaxAgeLimitSeconds);
  if (p.revocation_max_staleness_seconds &&
      !valid_revocation_staleness(*p.revocation_max_staleness_seconds))
    return refuse("revocation_max_staleness_seconds", *p.revocation_max_staleness_seconds,
                  kMaxRevocationStalenessSeconds);
  if (why) why->clear();
  return status::ok;
}

status check_policy(const policy& p, const registered_claims& c, simdjson::dom::object claims,
                    double now, double* list_age) noexcept {
  for (const std::string& name : p.required_claims) {
    if (claims.at_key(name).error()) return status::missing_claim;
  }
  if (p.require_exp && !c.exp) return status::missing_claim;
  if (p.max_age_seconds && !c.iat) return status::missing_claim;

  if (status s = check_times({c.exp, c.nbf, c.iat}, {p.leeway_seconds, p.max_age_seconds}, now);
      s != status::ok)
    return s;

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
  return check_revocation(p, c.jti, now, list_age);
}

status check_revocation(const policy& p, std::optional<std::string_view> jti, double now,
                        double* list_age) noexcept {
  if (!p.revoked || !jti) return status::ok;
  if (p.revoked->contains(*jti)) return status::revoked;
  // NaN-safe: a list never synced (synced_at 0) is stale; one nobody syncs is +infinity.
  const double age = now - p.revoked->synced_at();
  if (p.revocation_max_staleness_seconds && !(age <= *p.revocation_max_staleness_seconds) &&
      p.revocation_fail_closed) {
    if (list_age) *list_age = age;
    return status::revocation_unavailable;
  }
  return status::ok;
}

}  // namespace jwtx
