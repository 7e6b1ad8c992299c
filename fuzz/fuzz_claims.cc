// Fuzz target: JSON object rules, JOSE header and registered-claims extraction and the policy
// checklist on arbitrary bytes (as the verifier would see a decoded header or payload).
// Invariants: no crash; every status < kStatusCount; and the hot path's single On-Demand pass
// (parse_header / parse_claims) accepts exactly the JSON that the full DOM parse + rules accept
// (differential: On-Demand validates only what it visits, so a skipped value would show here).
#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "engine/claims.h"
#include "engine/header.h"
#include "engine/json_rules.h"
#include "engine/policy.h"
#include "engine/status.h"

namespace {

constexpr double kNow = 1'700'000'000;

void check(jwtx::status s) {
  if (static_cast<int>(s) >= jwtx::kStatusCount) __builtin_trap();
}

const jwtx::policy& fixed_policy() {
  static const jwtx::policy p = [] {
    jwtx::policy x;
    x.leeway_seconds = 30;
    x.require_exp = true;
    x.max_age_seconds = 3600;
    x.issuers = {"https://issuer.example"};
    x.audiences = {"api", "other"};
    x.required_claims = {"sub"};
    x.typ = "JWT";
    return x;
  }();
  return p;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // simdjson reads up to SIMDJSON_PADDING bytes past the end: give it an exact padded copy.
  std::vector<std::uint8_t> padded(size + simdjson::SIMDJSON_PADDING, 0);
  if (size != 0) std::memcpy(padded.data(), data, size);

  // Reference: full DOM parse and rule walk.
  simdjson::dom::parser dom_parser;
  std::vector<std::string_view> names;
  simdjson::dom::element root;
  const jwtx::status reference =
      jwtx::parse_json_object(dom_parser, padded.data(), size, 16, names, &root);
  check(reference);
  const bool json_ok = reference == jwtx::status::ok;

  // Both must accept or both reject; which rule a rejected input breaks first may differ (DOM
  // checks the whole syntax first, the single pass reports violations in document order).
  auto rule_failure = [](jwtx::status s) {
    return s == jwtx::status::bad_json || s == jwtx::status::bad_utf8 ||
           s == jwtx::status::not_object || s == jwtx::status::duplicate_member ||
           s == jwtx::status::too_deep;
  };

  simdjson::ondemand::parser header_parser;
  jwtx::jose_header header;
  const jwtx::status h = jwtx::parse_header(header_parser, padded.data(), size, 16, names, &header);
  check(h);
  if (json_ok == rule_failure(h)) __builtin_trap();
  if (h == jwtx::status::ok && header.has_typ) {
    (void)jwtx::typ_matches(header.typ, fixed_policy().typ);
  }

  simdjson::ondemand::parser claims_parser;
  simdjson::ondemand::document doc;
  std::string strings;
  jwtx::registered_claims claims;
  const jwtx::status c =
      jwtx::parse_claims(claims_parser, padded.data(), size, 16, fixed_policy().required_claims,
                         names, strings, &doc, &claims);
  check(c);
  if (json_ok == rule_failure(c)) __builtin_trap();
  if (c == jwtx::status::ok) check(jwtx::check_policy(fixed_policy(), claims, kNow));
  return 0;
}
