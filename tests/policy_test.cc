// The policy's time arithmetic and the option/clock validation around it (issue 9, item 3):
// a property sweep of check_times() against an exact integer reference model over NaN, infinities,
// huge, negative and fractional claims, leeways, max ages and clocks; then the same rules through
// the verifier (full path and cache hit) and the token cache.
#include "engine/policy.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cfloat>
#include <cmath>
#include <limits>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "engine/revocation/revocation.h"
#include "engine/runtime/token_cache.h"
#include "engine/time_rules.h"
#include "engine/verifier.h"
#include "tests/test_support.h"

namespace jwtx {
namespace {

using testing::asymmetric_set;
using testing::default_options;
using testing::good_claims;
using testing::key_for;
using testing::kNow;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// --- Reference model ----------------------------------------------------------------------------
// Exact integer arithmetic: every finite grid value is a multiple of 2^-32 (checked), held as an
// __int128 count of 2^-32 s. Values beyond +-2^80 are clamped to +-2^80: once the leeway, max age
// and clock are in range, every other term of a rule is below 2^39, so such a value decides each
// comparison by its sign alone and clamping changes no outcome.
__extension__ typedef __int128 fixed_t;

fixed_t fixed(double v) {
  constexpr double kClamp = 0x1p80;
  v = std::fmax(-kClamp, std::fmin(kClamp, v));
  const double scaled = std::ldexp(v, 32);
  EXPECT_EQ(std::trunc(scaled), scaled) << v << " is not a multiple of 2^-32";
  return static_cast<fixed_t>(scaled);
}

struct time_case {
  std::optional<double> exp, nbf, iat;
  double leeway = 0;
  std::optional<double> max_age;
  double now = 0;
};

std::string describe(const time_case& c) {
  auto opt = [](std::optional<double> v) { return v ? seconds_text(*v) : std::string("-"); };
  return "exp=" + opt(c.exp) + " nbf=" + opt(c.nbf) + " iat=" + opt(c.iat) +
         " leeway=" + seconds_text(c.leeway) + " max_age=" + opt(c.max_age) +
         " now=" + seconds_text(c.now);
}

// The rules as documented in engine/time_rules.h, written independently of the implementation
// (literal bounds, integer comparisons).
status reference(const time_case& c) {
  auto in = [](double v, double lo, double hi) { return std::isfinite(v) && v >= lo && v <= hi; };
  if (!in(c.leeway, 0, 86'400)) return status::options_invalid;
  if (c.max_age && !in(*c.max_age, 0, 3'155'760'000)) return status::options_invalid;
  if (!in(c.now, 0, 253'402'300'799)) return status::clock_invalid;
  for (const auto& v : {c.exp, c.nbf, c.iat})
    if (v && !std::isfinite(*v)) return status::claim_type;
  if (c.max_age && !c.iat) return status::missing_claim;
  const fixed_t now = fixed(c.now), l = fixed(c.leeway);
  if (c.exp && now >= fixed(*c.exp) + l) return status::expired;
  if (c.nbf && now + l < fixed(*c.nbf)) return status::not_yet_valid;
  if (c.iat && fixed(*c.iat) > now + l) return status::issued_in_future;
  if (c.max_age && now - fixed(*c.iat) > fixed(*c.max_age) + l) return status::too_old;
  return status::ok;
}

status implementation(const time_case& c) {
  return check_times({c.exp, c.nbf, c.iat}, {c.leeway, c.max_age}, c.now);
}

const std::vector<double> kClocks = {kNaN,
                                     kInf,
                                     -kInf,
                                     -1,
                                     -0x1p-32,
                                     0,
                                     0x1p-32,
                                     0.5,
                                     1000,
                                     kNow,
                                     kNow + 0.5,
                                     kNow + 0x1p-22,
                                     253'402'300'799,
                                     253'402'300'800,
                                     1e300,
                                     DBL_MAX,
                                     -DBL_MAX};
const std::vector<double> kLeeways = {kNaN,    kInf,    -kInf, -1, -0x1p-32, -0.0,     0,
                                      0x1p-32, 0x1p-30, 0.5,   60, 86'400,   86'400.5, 1e300};
const std::vector<std::optional<double>> kMaxAges = {
    std::nullopt, kNaN, kInf, -1, 0, 0.5, 300, 3'155'760'000, 3'155'760'000.5, 1e300};

// Claim values: fixed ones (huge, negative, fractional, non-finite) and ones placed exactly on,
// just before and just after each boundary of this clock / leeway / max age.
std::vector<std::optional<double>> claim_values(double now, double leeway,
                                                std::optional<double> max_age) {
  std::vector<std::optional<double>> v = {
      std::nullopt, kNaN, kInf,  -kInf, DBL_MAX, -DBL_MAX, 1e300,   -1e300,   0x1p80, -0x1p80,
      0x1p62,       1e18, -1e18, 0,     -0.0,    -1,       0x1p-32, -0x1p-32, kNow,   kNow + 0.5};
  if (std::isfinite(now) && std::fabs(now) < 1e12 && std::isfinite(leeway) &&
      std::fabs(leeway) < 1e6) {
    std::vector<double> anchors = {now, now - leeway, now + leeway};
    if (max_age && std::isfinite(*max_age) && *max_age < 1e10)
      anchors.push_back(now - *max_age - leeway);
    for (double a : anchors)
      for (double d : {0.0, 0x1p-32, -0x1p-32, 0x1p-22, -0x1p-22, 0.5, -0.5}) v.push_back(a + d);
  }
  return v;
}

TEST(TimeRules, BoundsAreTheDocumentedOnes) {
  EXPECT_EQ(kMaxLeewaySeconds, 86'400);
  EXPECT_EQ(kMaxAgeLimitSeconds, 3'155'760'000);
  EXPECT_EQ(kMaxRevocationStalenessSeconds, 86'400);
  EXPECT_EQ(kMinClockSeconds, 0);
  EXPECT_EQ(kMaxClockSeconds, 253'402'300'799);
}

// Every claim alone, and every (exp, nbf, iat) triple from a smaller set, under every clock,
// leeway and max age of the grid.
TEST(TimeRules, MatchesTheExactReferenceOverTheGrid) {
  long checked = 0, ok = 0, nonfinite_inputs = 0;
  for (double now : kClocks) {
    for (double leeway : kLeeways) {
      for (const auto& max_age : kMaxAges) {
        const auto values = claim_values(now, leeway, max_age);
        auto check = [&](const time_case& c) {
          const status want = reference(c);
          const status got = implementation(c);
          ASSERT_EQ(got, want) << describe(c);
          ++checked;
          ok += got == status::ok;
          const bool nonfinite =
              !std::isfinite(c.now) || !std::isfinite(c.leeway) ||
              (c.max_age && !std::isfinite(*c.max_age)) || (c.exp && !std::isfinite(*c.exp)) ||
              (c.nbf && !std::isfinite(*c.nbf)) || (c.iat && !std::isfinite(*c.iat));
          nonfinite_inputs += nonfinite;
          ASSERT_FALSE(nonfinite && got == status::ok) << describe(c);
        };
        for (const auto& v : values) {
          check({v, std::nullopt, std::nullopt, leeway, max_age, now});
          check({std::nullopt, v, std::nullopt, leeway, max_age, now});
          check({std::nullopt, std::nullopt, v, leeway, max_age, now});
        }
        const std::size_t small = std::min<std::size_t>(values.size(), 12);
        for (std::size_t a = 0; a < small; ++a)
          for (std::size_t b = 0; b < small; ++b)
            for (std::size_t i = 0; i < small; ++i)
              check({values[values.size() - 1 - a], values[b], values[values.size() - 1 - i],
                     leeway, max_age, now});
        if (::testing::Test::HasFatalFailure()) return;
      }
    }
  }
  // The sweep must reach every outcome, not only the refusals.
  EXPECT_GT(ok, 10'000) << checked;
  EXPECT_GT(nonfinite_inputs, 100'000) << checked;
}

// Random combinations from the same pools (seeded: reproducible).
TEST(TimeRules, MatchesTheExactReferenceOnRandomCombinations) {
  std::mt19937_64 rng(9);
  std::vector<status> seen;
  for (int i = 0; i < 300'000; ++i) {
    const double now = kClocks[rng() % kClocks.size()];
    const double leeway = kLeeways[rng() % kLeeways.size()];
    const auto max_age = kMaxAges[rng() % kMaxAges.size()];
    const auto values = claim_values(now, leeway, max_age);
    const time_case c{values[rng() % values.size()],
                      values[rng() % values.size()],
                      values[rng() % values.size()],
                      leeway,
                      max_age,
                      now};
    ASSERT_EQ(implementation(c), reference(c)) << describe(c);
  }
}

TEST(TimeRules, ExactAtBoundariesWhereDoubleRoundingWouldLie) {
  // fl(kNow + 2^-30) == kNow: a naive "now >= exp + leeway" would call this token expired.
  ASSERT_EQ(kNow + 0x1p-30, kNow);
  EXPECT_EQ(implementation({kNow, {}, {}, 0x1p-30, {}, kNow}), status::ok);
  EXPECT_EQ(implementation({kNow, {}, {}, 0, {}, kNow}), status::expired);
  // ... and "now + leeway < nbf" would call this one valid although nbf is 2^-31 s away.
  EXPECT_EQ(implementation({{}, kNow + 0x1p-22, {}, 0x1p-23, {}, kNow}), status::not_yet_valid);
  // Huge values never overflow into the wrong answer.
  EXPECT_EQ(implementation({DBL_MAX, {}, {}, 86'400, {}, kNow}), status::ok);
  EXPECT_EQ(implementation({-DBL_MAX, {}, {}, 86'400, {}, kNow}), status::expired);
  EXPECT_EQ(implementation({{}, DBL_MAX, {}, 86'400, {}, kNow}), status::not_yet_valid);
  EXPECT_EQ(implementation({{}, -DBL_MAX, {}, 86'400, {}, kNow}), status::ok);
  EXPECT_EQ(implementation({{}, {}, -DBL_MAX, 86'400, 3'155'760'000, kNow}), status::too_old);
  EXPECT_EQ(implementation({{}, {}, DBL_MAX, 86'400, 3'155'760'000, kNow}),
            status::issued_in_future);
}

TEST(TimeRules, NonFiniteInputsFailClosedWithTheirOwnStatus) {
  for (double bad : {kNaN, kInf, -kInf, -1.0, 86'401.0})
    EXPECT_EQ(implementation({kNow + 600, {}, {}, bad, {}, kNow}), status::options_invalid) << bad;
  for (double bad : {kNaN, kInf, -kInf, -1.0, 4e9})
    EXPECT_EQ(implementation({kNow + 600, {}, kNow, 60, bad, kNow}), status::options_invalid)
        << bad;
  for (double bad : {kNaN, kInf, -kInf, -1.0, 1e300})
    EXPECT_EQ(implementation({kNow + 600, {}, {}, 60, {}, bad}), status::clock_invalid) << bad;
  for (double bad : {kNaN, kInf, -kInf}) {
    EXPECT_EQ(implementation({bad, {}, {}, 60, {}, kNow}), status::claim_type) << bad;
    EXPECT_EQ(implementation({{}, bad, {}, 60, {}, kNow}), status::claim_type) << bad;
    EXPECT_EQ(implementation({{}, {}, bad, 60, {}, kNow}), status::claim_type) << bad;
  }
}

// The token cache judges a hit with the same function: for every single-claim case of the grid, a
// lookup hits exactly when check_times() says ok.
TEST(TimeRules, TokenCacheHitsExactlyWhenTheRulesPass) {
  token_cache_options small;
  small.capacity = 64;
  small.shards = 1;
  token_cache cache(small);
  long hits = 0;
  for (double now : kClocks) {
    for (double leeway : kLeeways) {
      for (const auto& max_age : {std::optional<double>(), std::optional<double>(300.0)}) {
        for (const auto& v : claim_values(now, leeway, max_age)) {
          if (v && !std::isfinite(*v)) continue;  // never inserted: JSON has no such numbers
          for (int which = 0; which < 3; ++which) {
            claims_to_cache c;
            (which == 0 ? c.exp : which == 1 ? c.nbf : c.iat) = v;
            ASSERT_TRUE(cache.insert("token", c, kNow));
            cache_validity validity;
            validity.now = now;
            validity.leeway_seconds = leeway;
            validity.max_age_seconds = max_age;
            const time_case t{c.exp, c.nbf, c.iat, leeway, max_age, now};
            cached_claims out;
            const bool hit = cache.lookup("token", validity, &out);
            ASSERT_EQ(hit, reference(t) == status::ok) << describe(t);
            hits += hit;
          }
        }
      }
    }
  }
  EXPECT_GT(hits, 1000);
}

// --- Options ------------------------------------------------------------------------------------

TEST(ValidateOptions, AcceptsTheDefaultsAndTheBounds) {
  verifier_options o = default_options();
  std::string why = "stale";
  EXPECT_EQ(validate_options(o, &why), status::ok);
  EXPECT_EQ(why, "");
  o.claims.leeway_seconds = 86'400;
  o.claims.max_age_seconds = 3'155'760'000;
  o.claims.revocation_max_staleness_seconds = 0;
  o.max_token_bytes = kMaxTokenBytesLimit;
  o.max_json_depth = 1;
  o.cache_entries = kMaxCacheEntries;
  EXPECT_EQ(validate_options(o), status::ok);
}

TEST(ValidateOptions, RefusesEachBadValueAndNamesIt) {
  struct bad_case {
    const char* name;
    void (*apply)(verifier_options&);
  };
  const bad_case cases[] = {
      {"leeway_seconds is nan", [](verifier_options& o) { o.claims.leeway_seconds = kNaN; }},
      {"leeway_seconds is inf", [](verifier_options& o) { o.claims.leeway_seconds = kInf; }},
      {"leeway_seconds is -inf", [](verifier_options& o) { o.claims.leeway_seconds = -kInf; }},
      {"leeway_seconds is -1", [](verifier_options& o) { o.claims.leeway_seconds = -1; }},
      {"leeway_seconds is 86401", [](verifier_options& o) { o.claims.leeway_seconds = 86'401; }},
      {"max_age_seconds is nan", [](verifier_options& o) { o.claims.max_age_seconds = kNaN; }},
      {"max_age_seconds is -5", [](verifier_options& o) { o.claims.max_age_seconds = -5; }},
      {"max_age_seconds is 1e+300", [](verifier_options& o) { o.claims.max_age_seconds = 1e300; }},
      {"revocation_max_staleness_seconds is nan",
       [](verifier_options& o) { o.claims.revocation_max_staleness_seconds = kNaN; }},
      {"revocation_max_staleness_seconds is inf",
       [](verifier_options& o) { o.claims.revocation_max_staleness_seconds = kInf; }},
      {"max_token_bytes is 0", [](verifier_options& o) { o.max_token_bytes = 0; }},
      {"max_token_bytes is 18446744073709551615",
       [](verifier_options& o) { o.max_token_bytes = SIZE_MAX; }},
      {"max_json_depth is 0", [](verifier_options& o) { o.max_json_depth = 0; }},
      {"max_json_depth is 1025", [](verifier_options& o) { o.max_json_depth = 1025; }},
      {"cache_entries is 18446744073709551615",
       [](verifier_options& o) { o.cache_entries = SIZE_MAX; }},
  };
  for (const bad_case& c : cases) {
    verifier_options o = default_options();
    c.apply(o);
    std::string why;
    EXPECT_EQ(validate_options(o, &why), status::options_invalid) << c.name;
    EXPECT_EQ(why.rfind(c.name, 0), 0u) << why;
    EXPECT_NE(why.find("must be"), std::string::npos) << why;
    std::string policy_why;
    if (std::string(c.name).find("_seconds") != std::string::npos) {
      EXPECT_EQ(validate_policy(o.claims, &policy_why), status::options_invalid);
      EXPECT_EQ(policy_why, why);
    }
  }
}

// Regression (issue 9 item 3): a NaN leeway used to make every time check pass, so an expired
// token verified. Now such a verifier fails every token, valid or not, with options_invalid (and
// builds no cache: cache_entries = SIZE_MAX used to throw std::bad_array_new_length).
TEST(ValidateOptions, VerifierWithRefusedOptionsFailsEveryToken) {
  const std::string expired =
      key_for(algorithm::ES256)
          .mint(R"({"aud":"api","iss":"https://issuer.example","exp":1000,"iat":900})");
  const std::string valid = key_for(algorithm::ES256).mint(good_claims());
  for (double leeway : {kNaN, kInf, -kInf, -1.0, 1e30}) {
    verifier_options o = default_options();
    o.claims.leeway_seconds = leeway;
    o.cache_entries = 64;
    verifier v(asymmetric_set(), o);
    EXPECT_EQ(v.cache(), nullptr);
    for (const std::string& t : {expired, valid, std::string("garbage"), std::string(20000, 'x')}) {
      const verify_result r = v.verify(t);
      EXPECT_EQ(r.status(), status::options_invalid) << leeway;
      EXPECT_EQ(view(r.fingerprint()), view(fingerprint(t)));
      EXPECT_NE(r.detail().find("leeway_seconds is"), std::string::npos) << r.detail();
    }
  }
  verifier_options o = default_options();
  o.claims.max_age_seconds = kNaN;
  EXPECT_EQ(verifier(asymmetric_set(), o).verify(expired).status(), status::options_invalid);
  o = default_options();
  o.cache_entries = SIZE_MAX;
  verifier huge(asymmetric_set(), o);
  EXPECT_EQ(huge.cache(), nullptr);
  EXPECT_EQ(huge.verify(valid).status(), status::options_invalid);
}

// --- Clock --------------------------------------------------------------------------------------

struct moving_clock {
  std::shared_ptr<std::atomic<double>> now = std::make_shared<std::atomic<double>>(kNow);
  clock_fn fn() const {
    auto n = now;
    return [n] { return n->load(); };
  }
};

// Regression (issue 9 item 3): a NaN clock used to pass exp/nbf/iat/max_age.
TEST(Clock, BrokenReadingsFailClosedOnTheFullPath) {
  const std::string expired =
      key_for(algorithm::ES256)
          .mint(R"({"aud":"api","iss":"https://issuer.example","exp":1000,"iat":900})");
  const std::string valid = key_for(algorithm::ES256).mint(good_claims());
  for (double bad : {kNaN, kInf, -kInf, -1.0, 1e300, DBL_MAX}) {
    verifier_options o = default_options();
    o.claims.clock = [bad] { return bad; };
    o.claims.max_age_seconds = 3600;
    verifier v(asymmetric_set(), o);
    for (const std::string& t : {expired, valid}) {
      const verify_result r = v.verify(t);
      EXPECT_EQ(r.status(), status::clock_invalid) << bad;
      EXPECT_NE(r.detail().find("the clock returned " + seconds_text(bad)), std::string::npos)
          << r.detail();
    }
    // The clock only matters once the signature verified: a forgery stays a forgery.
    EXPECT_EQ(v.verify(expired.substr(0, expired.size() - 4) + "AAAA").status(),
              status::bad_signature);
  }
}

// Cache hit path: a token cached while the clock was good is not served once the clock breaks.
TEST(Clock, BrokenReadingsFailClosedOnTheCacheHitPath) {
  moving_clock clock;
  verifier_options o = default_options();
  o.cache_entries = 64;
  o.claims.clock = clock.fn();
  verifier v(asymmetric_set(), o);
  // No iat: with the old per-cache copy of the rules, -inf passed "now < exp + leeway" and hit.
  const std::string t =
      key_for(algorithm::ES256)
          .mint(R"({"aud":"api","iss":"https://issuer.example","exp":1700000600})");
  ASSERT_TRUE(v.verify(t).ok());
  ASSERT_TRUE(v.verify(t).from_cache());
  for (double bad : {kNaN, kInf, -kInf, -5.0, 1e12}) {
    clock.now->store(bad);
    const verify_result r = v.verify(t);
    EXPECT_EQ(r.status(), status::clock_invalid) << bad;
    EXPECT_FALSE(r.from_cache());
  }
  clock.now->store(kNow);
  EXPECT_TRUE(v.verify(t).from_cache());
  // The token cache itself never hits with a broken clock either.
  token_cache cache;
  claims_to_cache c;
  c.exp = kNow + 600;
  ASSERT_TRUE(cache.insert("t", c, kNow));
  cached_claims out;
  for (double bad : {kNaN, kInf, -kInf}) {
    cache_validity validity;
    validity.now = bad;
    EXPECT_FALSE(cache.lookup("t", validity, &out)) << bad;
    validity.now = kNow;
    validity.leeway_seconds = bad;
    EXPECT_FALSE(cache.lookup("t", validity, &out)) << bad;
  }
}

// A NaN clock can never make a stale revocation list look fresh.
TEST(Clock, RevocationStalenessIsNanSafe) {
  revocation_set revoked;
  revoked.mark_synced(1000);
  policy p;
  p.revoked = &revoked;
  p.revocation_max_staleness_seconds = 30;
  p.revocation_fail_closed = true;
  EXPECT_EQ(check_revocation(p, "j", 1010), status::ok);
  double age = 0;
  EXPECT_EQ(check_revocation(p, "j", 2000, &age), status::revocation_unavailable);
  EXPECT_EQ(age, 1000);
  EXPECT_EQ(check_revocation(p, "j", kNaN), status::revocation_unavailable);
}

// --- Claims as JSON -----------------------------------------------------------------------------

status at(double now, std::string_view claims, verifier_options o = default_options()) {
  o.claims.clock = [now] { return now; };
  return verifier(asymmetric_set(), o).verify(key_for(algorithm::ES256).mint(claims)).status();
}

TEST(NumericDates, HugeNegativeFractionalAndOutOfRange) {
  const std::string base = R"("aud":"api","iss":"https://issuer.example",)";
  EXPECT_EQ(at(kNow, "{" + base + R"("exp":1.7976931348623157e308})"), status::ok);
  EXPECT_EQ(at(kNow, "{" + base + R"("exp":-1.7976931348623157e308})"), status::expired);
  EXPECT_EQ(at(kNow, "{" + base + R"("exp":18446744073709551615})"), status::ok);
  EXPECT_EQ(at(kNow, "{" + base + R"("exp":-9223372036854775808})"), status::expired);
  EXPECT_EQ(at(kNow, "{" + base + R"("exp":1700000060.5})"), status::ok);
  EXPECT_EQ(at(kNow + 60.25, "{" + base + R"("exp":1700000000.5})"), status::ok);
  EXPECT_EQ(at(kNow + 60.5, "{" + base + R"("exp":1700000000.5})"), status::expired);
  EXPECT_EQ(at(kNow + 60.5, "{" + base + R"("exp":1700000000.75})"), status::ok);
  EXPECT_EQ(at(kNow, "{" + base + R"("exp":9e99,"nbf":1.7976931348623157e308})"),
            status::not_yet_valid);
  EXPECT_EQ(at(kNow, "{" + base + R"("exp":9e99,"iat":-1e308})"), status::ok);
  verifier_options o = default_options();
  o.claims.max_age_seconds = 60;
  EXPECT_EQ(at(kNow, "{" + base + R"("exp":9e99,"iat":-1e308})", o), status::too_old);
  EXPECT_EQ(at(kNow, "{" + base + R"("exp":9e99,"iat":1e308})", o), status::issued_in_future);
  // Beyond double range: simdjson refuses the number, so the payload is not valid JSON. Kept
  // distinct from claim_type (a date of the wrong JSON type), with a detail that says "number".
  for (const char* big : {"1e400", "-1e400", "1e309"}) {
    verifier v(asymmetric_set(), default_options());
    const verify_result r =
        v.verify(key_for(algorithm::ES256).mint("{" + base + R"("exp":)" + big + "}"));
    EXPECT_EQ(r.status(), status::bad_json) << big;
    EXPECT_NE(r.detail().find("a number is malformed or out of range"), std::string::npos)
        << r.detail();
  }
}

}  // namespace
}  // namespace jwtx
