// `jwtx bench`'s workload (tools/jwtx/bench/workload.h): the generated mix, sizes, Zipf
// popularity and expected statuses, and the workload file parser's answers.
#ifdef JWTX_CAPACITY

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>

#include "engine/jws/base64url/base64url.h"
#include "tools/jwtx/bench/workload.h"
#include "tools/jwtx/bench/zipf.h"

namespace {

using namespace jwtx::capacity;

constexpr std::size_t kDistinct = 1000;
constexpr std::size_t kSends = 1 << 16;

// One small workload for the whole suite (minting RS256 costs ~1 ms a token).
class CapacityWorkload : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    config_ = new workload_config();
    config_->distinct_tokens = kDistinct;
    config_->sequence_length = kSends;
    config_->revoked_extra = 10;
    std::string why;
    std::optional<workload> w = build_workload(*config_, &why);
    ASSERT_TRUE(w) << why;
    workload_ = new workload(std::move(*w));
  }
  static void TearDownTestSuite() {
    delete workload_;
    delete config_;
  }
  // The share of sends per category name.
  static std::map<std::string, double> sent_shares() {
    std::map<std::string, double> share;
    for (const std::uint32_t i : workload_->sequence)
      share[workload_->categories[workload_->tokens[i].category]] += 1.0 / kSends;
    return share;
  }
  static workload_config* config_;
  static workload* workload_;
};
workload_config* CapacityWorkload::config_ = nullptr;
workload* CapacityWorkload::workload_ = nullptr;

TEST_F(CapacityWorkload, SentMixMatchesTheConfiguredFractions) {
  const std::map<std::string, double> share = sent_shares();
  // Valid: (1 - 5 %) of 60/25/10/5 %; each invalid reason: 5 % / 8. The sample is 65536 sends,
  // so the binomial noise is below 0.4 percentage points; the assignment adds at most one rank.
  EXPECT_NEAR(share.at("RS256"), 0.95 * 0.60, 0.015);
  EXPECT_NEAR(share.at("ES256"), 0.95 * 0.25, 0.015);
  EXPECT_NEAR(share.at("EdDSA"), 0.95 * 0.10, 0.01);
  EXPECT_NEAR(share.at("HS256"), 0.95 * 0.05, 0.01);
  double invalid = 0;
  for (const invalid_reason r : kAllReasons) {
    const double reason = share.at("invalid: " + std::string(reason_name(r)));
    invalid += reason;
    // One popular token can carry a whole small category (see workload.h): within 2x.
    EXPECT_GT(reason, 0.05 / 8 / 2) << reason_name(r);
    EXPECT_LT(reason, 0.05 / 8 * 2) << reason_name(r);
  }
  // With 1000 tokens the first two reasons' first tokens are popular ones (1.6x and 1.3x their
  // target, see workload.h), so the invalid total lands near 5.6 %.
  EXPECT_NEAR(invalid, 0.05, 0.01);
  // The report states what was sent.
  for (const workload_share& s : workload_->info.algorithms)
    EXPECT_NEAR(s.fraction, share.at(s.name), 1e-12) << s.name;
}

TEST_F(CapacityWorkload, ClaimSizesStayInRangeAndSkewSmall) {
  std::vector<std::size_t> sizes;
  for (const workload_token& t : workload_->tokens) {
    if (t.expected != jwtx::status::ok) continue;
    const std::size_t a = t.token.find('.'), b = t.token.rfind('.');
    std::string claims;
    ASSERT_TRUE(
        jwtx::base64url::decode(std::string_view(t.token).substr(a + 1, b - a - 1), &claims));
    sizes.push_back(claims.size());
  }
  std::sort(sizes.begin(), sizes.end());
  EXPECT_GE(sizes.front(), config_->min_claims_bytes);
  EXPECT_LE(sizes.back(), config_->max_claims_bytes);
  // min + (max - min) * u^3: the median is near min + 1/8 of the range, far below the midpoint.
  const double median = static_cast<double>(sizes[sizes.size() / 2]);
  EXPECT_NEAR(median, 200 + 3896.0 / 8, 150);
  EXPECT_GT(sizes.back(), 3000u);  // the tail reaches the top of the range
}

TEST_F(CapacityWorkload, RankOneShareFollowsZipf) {
  double harmonic = 0;
  for (std::size_t k = 1; k <= kDistinct; ++k) harmonic += 1.0 / static_cast<double>(k);
  const double expected = 1.0 / harmonic;  // s = 1
  const double seen =
      static_cast<double>(std::count(workload_->sequence.begin(), workload_->sequence.end(), 0u)) /
      kSends;
  EXPECT_NEAR(seen, expected, 0.01);
  // And rank 10 is about a tenth of rank 1.
  const double tenth =
      static_cast<double>(std::count(workload_->sequence.begin(), workload_->sequence.end(), 9u)) /
      kSends;
  EXPECT_NEAR(tenth, expected / 10, 0.004);
}

TEST_F(CapacityWorkload, EveryInvalidReasonGetsItsExpectedStatus) {
  const std::vector<verdict_row> rows = check_verdicts(*workload_);
  EXPECT_TRUE(all_as_expected(rows));
  std::map<std::string, const verdict_row*> by_name;
  for (const verdict_row& r : rows) by_name[r.category] = &r;
  for (const invalid_reason reason : kAllReasons) {
    const verdict_row* r = by_name.at("invalid: " + std::string(reason_name(reason)));
    EXPECT_GT(r->tokens, 0u) << reason_name(reason);
    EXPECT_EQ(r->expected, expected_status(reason));
    ASSERT_EQ(r->returned.size(), 1u) << reason_name(reason);
    EXPECT_EQ(r->returned[0].first, expected_status(reason)) << reason_name(reason);
  }
}

TEST_F(CapacityWorkload, AWrongExpectationIsReported) {
  workload copy;
  copy.engine_nocache = workload_->engine_nocache;
  copy.categories = workload_->categories;
  copy.tokens = workload_->tokens;
  copy.tokens[0].expected = jwtx::status::expired;  // rank 1 is a valid token
  EXPECT_FALSE(all_as_expected(check_verdicts(copy)));
}

TEST(CapacityWorkloadBuild, AnyIssuerAndAudienceStringVerifies) {
  workload_config c;
  c.mix = {{jwtx::algorithm::HS256, 1}};
  c.distinct_tokens = 20;
  c.sequence_length = 64;
  c.revoked_extra = 0;
  c.issuer = "https://idp.example/\"quoted\"\\";
  c.audience = "api \u00e9";
  std::string why;
  const std::optional<workload> w = build_workload(c, &why);
  ASSERT_TRUE(w) << why;
  EXPECT_TRUE(all_as_expected(check_verdicts(*w)));
}

TEST(CapacityZipf, UniformWhenTheExponentIsZero) {
  const zipf_table z(4, 0);
  for (const double p : z.probabilities()) EXPECT_DOUBLE_EQ(p, 0.25);
  EXPECT_EQ(z.sample(0.0), 0u);
  EXPECT_EQ(z.sample(0.999999), 3u);
}

// ---- workload files -----------------------------------------------------------------------------

TEST(CapacityWorkloadFile, JsonOverridesOnlyWhatItNames) {
  std::string why;
  const std::optional<workload_config> c = parse_workload(
      R"({"mix": {"PS256": 1, "ES384": 3}, "distinct_tokens": 300, "zipf_exponent": 1.2,
          "invalid": {"fraction": 0.1, "reasons": {"expired": 1, "alg_none": 2}},
          "claims_bytes": {"min": 300, "max": 900}, "workers": [1, 2], "duration_seconds": 0.5})",
      &why);
  ASSERT_TRUE(c) << why;
  ASSERT_EQ(c->mix.size(), 2u);
  EXPECT_EQ(c->mix[0].first, jwtx::algorithm::PS256);
  EXPECT_EQ(c->mix[1].second, 3);
  EXPECT_EQ(c->distinct_tokens, 300u);
  EXPECT_DOUBLE_EQ(c->zipf_exponent, 1.2);
  EXPECT_DOUBLE_EQ(c->invalid_fraction, 0.1);
  ASSERT_EQ(c->reasons.size(), 2u);
  EXPECT_EQ(c->reasons[1].first, invalid_reason::alg_none);
  EXPECT_EQ(c->min_claims_bytes, 300u);
  EXPECT_EQ(c->max_claims_bytes, 900u);
  EXPECT_EQ(c->workers, (std::vector<unsigned>{1, 2}));
  EXPECT_EQ(c->duration_seconds, 0.5);
  EXPECT_EQ(c->cache_entries, workload_config{}.cache_entries);  // untouched
}

TEST(CapacityWorkloadFile, YamlReadsTheSameFields) {
  std::string why;
  const std::optional<workload_config> c = parse_workload(
      "mix:\n  RS256: 2\n  HS512: 1\ncache_entries: 0\nissuer: https://idp.example\n"
      "rate_fractions: [0.5, 1.0]\n",
      &why);
  ASSERT_TRUE(c) << why;
  EXPECT_EQ(c->mix.size(), 2u);
  EXPECT_EQ(c->cache_entries, 0u);
  EXPECT_EQ(c->issuer, "https://idp.example");
  EXPECT_EQ(c->rate_fractions, (std::vector<double>{0.5, 1.0}));
}

TEST(CapacityWorkloadFile, EachErrorNamesItsPath) {
  const std::pair<const char*, const char*> cases[] = {
      {"colour: red", "colour: unknown key"},
      {"mix: {RS999: 1}", "mix.RS999: unknown algorithm"},
      {"mix: {RS256: heavy}", "mix.RS256: expected a number"},
      {"mix: {RS256: 0}", "mix: every weight is 0"},
      {"distinct_tokens: 0", "distinct_tokens: must be in [1, "},
      {"distinct_tokens: 2.5", "distinct_tokens: expected a whole number"},
      {"zipf_exponent: [1]", "zipf_exponent: expected a number"},
      {"invalid: {fraction: 1.5}", "invalid.fraction: must be in [0, 1]"},
      {"seed: 1\nseed: 2", "seed: duplicate key"},
      {"invalid: {reasons: {stale: 1}}", "invalid.reasons.stale: unknown reason"},
      {"invalid: {ratio: 1}", "invalid.ratio: unknown key"},
      {"claims_bytes: {min: 900, max: 300}", "claims_bytes: min is larger than max"},
      {"workers: [1, 0]", "workers[1]: must be in [1, 1024]"},
      {"issuer: ''", "issuer: expected a non-empty string"},
      {"mix: {RS256: 1", "parse error"},
      {"[1, 2]", "(top level): expected a map"},
  };
  for (const auto& [text, expected] : cases) {
    std::string why;
    EXPECT_FALSE(parse_workload(text, &why)) << text;
    EXPECT_NE(why.find(expected), std::string::npos) << text << " -> " << why;
  }
}

}  // namespace

#endif  // JWTX_CAPACITY
