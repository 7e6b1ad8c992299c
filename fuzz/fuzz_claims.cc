// Fuzz target: JSON object rules, JOSE header and registered-claims extraction and the policy
// checklist on arbitrary bytes (as the verifier would see a decoded header or payload).
// Must not crash; every status must be < kStatusCount.
#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
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

  simdjson::dom::parser parser;
  std::vector<std::string_view> names;
  simdjson::dom::element root;
  const jwtx::status parsed =
      jwtx::parse_json_object(parser, padded.data(), size, 16, names, &root);
  check(parsed);
  if (parsed != jwtx::status::ok) return 0;
  simdjson::dom::object object;
  if (root.get_object().get(object) != simdjson::SUCCESS) __builtin_trap();  // rules promise it

  jwtx::jose_header header;
  const jwtx::status h = jwtx::read_header(object, &header);
  check(h);
  if (h == jwtx::status::ok && header.has_typ) {
    (void)jwtx::typ_matches(header.typ, fixed_policy().typ);
  }

  jwtx::registered_claims claims;
  const jwtx::status c = jwtx::read_claims(object, &claims);
  check(c);
  if (c == jwtx::status::ok) check(jwtx::check_policy(fixed_policy(), claims, object, kNow));
  return 0;
}
