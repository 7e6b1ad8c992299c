// Fuzz target: JSON object rules, JOSE header and registered-claims extraction and the policy
// checklist on arbitrary bytes (as the verifier would see a decoded header or payload), under a
// leeway, clock and max age the input picks from tables that include NaN, infinities, huge,
// negative and fractional values.
//
// Input: byte 0 picks the leeway, byte 1 the clock reading, byte 2 the max age (index modulo the
// table size; index 0 is the ordinary value); the rest is the JSON. Inputs under 3 bytes are
// ignored.
// Invariants (__builtin_trap on violation): every status < kStatusCount; the JSON rules' ok means
// an object; and the time rules fail closed: with a leeway or max age outside its range (NaN,
// infinity, negative, too large) check_policy() can only answer missing_claim (checked first) or
// options_invalid, with a clock reading outside [1970, 9999] only missing_claim or clock_invalid,
// so no non-finite input ever yields ok.
#include <simdjson.h>

#include <cfloat>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <string_view>
#include <vector>

#include "engine/jws/claims.h"
#include "engine/jws/header.h"
#include "engine/jws/json_rules.h"
#include "engine/policy.h"
#include "engine/status.h"
#include "engine/time_rules.h"

namespace {

constexpr double kNow = 1'700'000'000;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kTiny = std::numeric_limits<double>::denorm_min();

constexpr double kLeeways[] = {30, 0,    0.5,  60,      86'400, kNaN,   kInf,  -kInf,
                               -1, -0.0, 1e-9, 0x1p-30, kTiny,  86'401, 1e308, DBL_MAX};
constexpr double kClocks[] = {
    kNow,  0,    kNow + 0.5, 1000, 253'402'300'799, kNaN,  kInf,    -kInf,
    -1e-9, -0.0, kTiny,      1e18, 253'402'300'800, 1e308, DBL_MAX, -DBL_MAX};
// max_age: NaN in the "set" slot means "not set" for index 1.
constexpr double kMaxAges[] = {3600, kNaN /*unset*/, 0,  0.5,   300,   3'155'760'000, kNaN,
                               kInf, -kInf,          -1, 1e308, kTiny, 3'155'760'001, DBL_MAX};

template <typename T, std::size_t N>
T pick(const T (&table)[N], std::uint8_t b) {
  return table[b % N];
}

void check(jwtx::status s) {
  if (static_cast<int>(s) >= jwtx::kStatusCount) __builtin_trap();
}

jwtx::policy& policy_for(std::uint8_t leeway, std::uint8_t max_age) {
  static jwtx::policy p = [] {
    jwtx::policy x;
    x.require_exp = true;
    x.issuers = {"https://issuer.example"};
    x.audiences = {"api", "other"};
    x.required_claims = {"sub"};
    x.typ = "JWT";
    return x;
  }();
  p.leeway_seconds = pick(kLeeways, leeway);
  const std::size_t age_index = max_age % std::size(kMaxAges);
  p.max_age_seconds = age_index == 1 ? std::nullopt : std::optional<double>(kMaxAges[age_index]);
  return p;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 3) return 0;
  const jwtx::policy& policy = policy_for(data[0], data[2]);
  const double now = pick(kClocks, data[1]);
  data += 3;
  size -= 3;

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
    (void)jwtx::typ_matches(header.typ, policy.typ);
  }

  jwtx::registered_claims claims;
  const jwtx::status c = jwtx::read_claims(object, &claims);
  check(c);
  if (c != jwtx::status::ok) return 0;
  // JSON numbers are finite: a non-finite claim would be a reader bug.
  for (const auto& v : {claims.exp, claims.nbf, claims.iat})
    if (v && !std::isfinite(*v)) __builtin_trap();

  const jwtx::status p = jwtx::check_policy(policy, claims, object, now);
  check(p);
  const bool options_ok = jwtx::valid_leeway(policy.leeway_seconds) &&
                          (!policy.max_age_seconds || jwtx::valid_max_age(*policy.max_age_seconds));
  if (!options_ok && p != jwtx::status::missing_claim && p != jwtx::status::options_invalid)
    __builtin_trap();
  if (options_ok && !jwtx::valid_clock(now) && p != jwtx::status::missing_claim &&
      p != jwtx::status::clock_invalid)
    __builtin_trap();
  const bool nonfinite = !std::isfinite(policy.leeway_seconds) || !std::isfinite(now) ||
                         (policy.max_age_seconds && !std::isfinite(*policy.max_age_seconds));
  if (nonfinite && p == jwtx::status::ok) __builtin_trap();
  return 0;
}
