// verify_result::detail() (issue 9, item 16): one sentence per status naming the rule that failed,
// with the configuration it was checked against, and never the token's own content.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "engine/revocation/revocation.h"
#include "engine/verifier.h"
#include "tests/test_support.h"

namespace jwtx {
namespace {

using testing::asymmetric_set;
using testing::b64;
using testing::craft;
using testing::default_options;
using testing::key_for;
using testing::kNow;
using testing::std_header;

// Every string a token carries in these tests contains MARK; no detail may ever contain it.
constexpr const char* kMark = "MARK";

const signing_key& es256() { return key_for(algorithm::ES256); }

std::string signed_token(std::string_view header, std::string_view claims) {
  return craft(es256(), algorithm::ES256, header, claims);
}
std::string with_claims(std::string_view claims) {
  return signed_token(std_header(algorithm::ES256, es256().kid()), claims);
}
// Claims with marked strings that pass the default policy at |now| = kNow.
std::string marked(std::string_view extra = {}) {
  std::string c = R"({"sub":"SUBMARK","iss":"https://issuer.example","aud":"api","jti":"JTIMARK",)"
                  R"("exp":1700000600,"iat":1699999900)";
  if (!extra.empty()) c += "," + std::string(extra);
  return c + "}";
}

struct outcome {
  status code;
  std::string detail;
};

outcome verify_at(std::string_view token, verifier_options o = default_options(),
                  std::optional<double> now = std::nullopt) {
  if (now) o.claims.clock = [t = *now] { return t; };
  verifier v(asymmetric_set(), o);
  const verify_result r = v.verify(token);
  return {r.status(), r.detail()};
}

// Checks status, that the detail contains |phrase|, and that it never echoes token content.
void expect_detail(const outcome& got, status want, std::string_view phrase) {
  EXPECT_EQ(got.code, want) << got.detail;
  EXPECT_NE(got.detail.find(phrase), std::string::npos)
      << "detail: " << got.detail << "\nwanted: " << phrase;
  EXPECT_EQ(got.detail.find(kMark), std::string::npos) << "token content in: " << got.detail;
  EXPECT_LT(got.detail.size(), 400u) << got.detail;
  EXPECT_EQ(got.detail.find('\n'), std::string::npos) << got.detail;
}

TEST(Detail, AFreshResultSaysSo) {
  EXPECT_EQ(verify_result().detail(), "nothing has been verified into this result");
}

TEST(Detail, OkHasNone) {
  EXPECT_EQ(verify_at(with_claims(marked())).detail, "");
  EXPECT_EQ(verify_at(with_claims(marked())).code, status::ok);
}

TEST(Detail, Structure) {
  const std::string good = with_claims(marked());
  expect_detail(verify_at(""), status::malformed, "the token is empty");
  expect_detail(verify_at("MARK.MARK"), status::malformed, "has 2 segments; a JWS has exactly 3");
  expect_detail(verify_at("MARKMARK"), status::malformed, "has 1 segment;");
  expect_detail(verify_at(".MARK.MARK"), status::malformed, "header segment");
  expect_detail(verify_at(good + ".MARK.MARK"), status::unsupported_jwe, "a JWE");
  expect_detail(verify_at(std::string(20'000, 'x') + "MARK"), status::too_large,
                "the token is 20004 bytes, over max_token_bytes (16384)");
  expect_detail(verify_at(good + "="), status::bad_base64,
                "the signature segment is not strict base64url: the first bad character is at "
                "byte " +
                    std::to_string(good.size()));
  std::string bad_header = good;
  bad_header[3] = '*';
  expect_detail(verify_at(bad_header), status::bad_base64, "header segment");
  expect_detail(verify_at(bad_header), status::bad_base64, "at byte 3 of the token");
  std::string bad_payload = good;
  bad_payload[good.find('.') + 2] = '~';
  expect_detail(verify_at(bad_payload), status::bad_base64,
                "payload segment is not strict base64url: the first bad character is at byte " +
                    std::to_string(good.find('.') + 2));
}

TEST(Detail, Json) {
  const std::string h = std_header(algorithm::ES256, es256().kid());
  expect_detail(verify_at(with_claims(R"({"MARK":tru})")), status::bad_json,
                "the payload is not valid JSON: a literal is misspelled");
  expect_detail(verify_at(with_claims(R"({"MARK":1} x)")), status::bad_json,
                "the payload is not valid JSON");
  expect_detail(verify_at(with_claims(R"({"MARK":"x)")), status::bad_json, "a string is invalid");
  expect_detail(verify_at(with_claims(R"({"exp":1e400})")), status::bad_json,
                "a number is malformed or out of range");
  expect_detail(verify_at(with_claims("")), status::bad_json, "it is empty");
  expect_detail(verify_at(signed_token(R"({"alg":"ES256","MARK":[1,]})", marked())),
                status::bad_json, "the header is not valid JSON");
  expect_detail(verify_at(with_claims("{\"MARK\":\"\xff\"}")), status::bad_utf8,
                "the payload is not valid UTF-8");
  expect_detail(verify_at(signed_token("[\"MARK\"]", marked())), status::not_object,
                "the header is valid JSON but not an object");
  expect_detail(verify_at(with_claims(R"({"MARK":1,"MARK":2})")), status::duplicate_member,
                "an object in the payload has the same member name twice");
  std::string deep;
  for (int i = 0; i < 20; ++i) deep += "[";
  for (int i = 0; i < 20; ++i) deep += "]";
  expect_detail(verify_at(with_claims(R"({"MARK":)" + deep + "}")), status::too_deep,
                "the payload nests deeper than max_json_depth (16)");
}

TEST(Detail, Header) {
  expect_detail(verify_at(signed_token(R"({"typ":"MARK"})", marked())), status::header_invalid,
                "the header has no alg");
  expect_detail(verify_at(signed_token(R"({"alg":"ES256","kid":7,"typ":"MARK"})", marked())),
                status::header_invalid, "the header member kid is not a string");
  expect_detail(verify_at(signed_token(R"({"alg":"MARK"})", marked())), status::alg_not_allowed,
                "the header's alg is not an algorithm jwtx implements");
  verifier_options rs_only = default_options();
  rs_only.algorithms = {algorithm::RS256, algorithm::PS256};
  expect_detail(verify_at(with_claims(marked()), rs_only), status::alg_not_allowed,
                "alg ES256 is not in the allowed algorithms (RS256, PS256)");
  rs_only.algorithms = {};
  expect_detail(verify_at(with_claims(marked()), rs_only), status::alg_not_allowed,
                "none (the allow-list is empty)");
  expect_detail(verify_at(signed_token(
                    R"({"alg":"ES256","kid":"ES256-key","crit":["MARK"],"MARK":1})", marked())),
                status::crit_unsupported, "the header has crit");
  verifier_options typ = default_options();
  typ.claims.typ = "at+jwt";
  expect_detail(
      verify_at(signed_token(R"({"alg":"ES256","kid":"ES256-key","typ":"MARK"})", marked()), typ),
      status::typ_mismatch, "the header's typ is not the required typ \"at+jwt\"");
  expect_detail(verify_at(signed_token(R"({"alg":"ES256","kid":"ES256-key"})", marked()), typ),
                status::typ_mismatch, "the header has no typ; the required typ is \"at+jwt\"");
}

TEST(Detail, KeysAndSignature) {
  expect_detail(verify_at(signed_token(R"({"alg":"ES256","kid":"KIDMARK"})", marked())),
                status::key_not_found, "the token's kid matches no key in the key set");
  const signing_key& hs = key_for(algorithm::HS256);
  expect_detail(verify_at(craft(hs, algorithm::HS256, R"({"alg":"HS256"})", marked())),
                status::key_not_found,
                "the token has no kid and no key in the key set fits alg HS256");
  expect_detail(verify_at(craft(key_for(algorithm::ES384), algorithm::ES384,
                                R"({"alg":"ES384","kid":"ES256-key"})", marked())),
                status::alg_key_mismatch, "the key the token's kid names does not fit alg ES384");
  const std::string good = with_claims(marked());
  const std::string forged = good.substr(0, good.rfind('.') + 1) + b64(std::string(64, '\x01'));
  expect_detail(verify_at(forged), status::bad_signature,
                "the signature does not verify under alg ES256 with the key the token's kid names");
  auto small = signing_key::generate(algorithm::RS256, "small", 1024);
  ASSERT_TRUE(small);
  key_set_builder b;
  ASSERT_EQ(b.add_jwk(small->public_jwk()), status::ok);
  auto set = b.build();
  ASSERT_TRUE(set);
  const verify_result r = verifier(set.set, default_options()).verify(small->mint(marked()));
  expect_detail({r.status(), r.detail()}, status::key_too_small, "min_rsa_bits 2048");
}

TEST(Detail, Times) {
  const std::string iss = R"("aud":"api","iss":"https://issuer.example")";
  expect_detail(
      verify_at(with_claims("{" + iss + R"(,"exp":1000,"jti":"MARK"})"), default_options(), 1060),
      status::expired, "the token expired: now (1060) is at or after exp (1000) + leeway (60)");
  expect_detail(
      verify_at(with_claims("{" + iss + R"(,"exp":99999,"nbf":1000.5})"), default_options(), 939.5),
      status::not_yet_valid, "not valid yet: now (939.5) + leeway (60) is before nbf (1000.5)");
  expect_detail(
      verify_at(with_claims("{" + iss + R"(,"exp":99999,"iat":1000})"), default_options(), 939),
      status::issued_in_future, "iat (1000) is after now (939) + leeway (60)");
  verifier_options o = default_options();
  o.claims.max_age_seconds = 300;
  expect_detail(verify_at(with_claims("{" + iss + R"(,"exp":99999,"iat":1000})"), o, 1360.5),
                status::too_old,
                "now (1360.5) - iat (1000) exceeds max_age_seconds (300) + leeway (60)");
  expect_detail(verify_at(with_claims("{" + iss + R"(,"exp":99999})"), o, 1000),
                status::missing_claim, "the token has no iat, which max_age_seconds (300) needs");
  expect_detail(verify_at(with_claims("{" + iss + "}")), status::missing_claim,
                "the token has no exp (require_exp is set)");
}

TEST(Detail, IssuerAudienceAndRequiredClaims) {
  expect_detail(verify_at(with_claims(R"({"aud":"api","iss":"ISSMARK","exp":1700000600})")),
                status::issuer_mismatch,
                "the token's iss is not an allowed issuer (allowed: \"https://issuer.example\")");
  expect_detail(verify_at(with_claims(R"({"aud":"api","exp":1700000600})")),
                status::issuer_mismatch, "the token has no iss; allowed issuers: ");
  verifier_options many = default_options();
  many.claims.issuers = {"a", "b", "c", "d", "e", "f", std::string(100, 'x')};
  expect_detail(verify_at(with_claims(R"({"aud":"api","iss":"ISSMARK","exp":1700000600})"), many),
                status::issuer_mismatch, "(allowed: \"a\", \"b\", \"c\", \"d\" and 3 more)");
  many.claims.issuers = {std::string(100, 'x') + "\n\"\x01"};
  expect_detail(verify_at(with_claims(R"({"aud":"api","iss":"ISSMARK","exp":1700000600})"), many),
                status::issuer_mismatch, "\"" + std::string(64, 'x') + "...\"");

  const std::string iss = R"("iss":"https://issuer.example","exp":1700000600)";
  expect_detail(verify_at(with_claims("{" + iss + R"(,"aud":["AUDMARK","MARK2"]})")),
                status::audience_mismatch,
                "none of the token's 2 aud values is an allowed audience (allowed: \"api\")");
  expect_detail(verify_at(with_claims("{" + iss + "}")), status::audience_mismatch,
                "the token has no aud; allowed audiences: \"api\"");
  verifier_options none = default_options();
  none.claims.audiences.clear();
  expect_detail(verify_at(with_claims("{" + iss + R"(,"aud":"AUDMARK"})"), none),
                status::audience_mismatch, "no audience is configured");

  verifier_options required = default_options();
  required.claims.required_claims = {"jti", "scope"};
  expect_detail(verify_at(with_claims(marked()), required), status::missing_claim,
                "the required claim \"scope\" is absent");

  expect_detail(verify_at(with_claims(R"({"exp":"MARK"})")), status::claim_type,
                "the registered claim exp has the wrong JSON type (it must be a number");
  expect_detail(verify_at(with_claims(R"({"exp":1700000600,"aud":["api",1],"sub":"MARK"})")),
                status::claim_type,
                "claim aud has the wrong JSON type (it must be a string or an array of strings)");
  expect_detail(verify_at(with_claims(R"({"exp":1700000600,"iss":5,"sub":"MARK"})")),
                status::claim_type, "claim iss has the wrong JSON type (it must be a string)");
}

TEST(Detail, Revocation) {
  revocation_set revoked;
  verifier_options o = default_options();
  o.claims.revoked = &revoked;
  o.cache_entries = 64;
  revoked.add("JTIMARK");
  expect_detail(verify_at(with_claims(marked()), o), status::revoked,
                "the token's jti is on the revocation list");
  {
    // And on a cache hit.
    revocation_set later;
    o.claims.revoked = &later;
    verifier v(asymmetric_set(), o);
    const std::string t = with_claims(marked());
    ASSERT_TRUE(v.verify(t).ok());
    later.add("JTIMARK");
    const verify_result r = v.verify(t);
    ASSERT_TRUE(r.from_cache());
    expect_detail({r.status(), r.detail()}, status::revoked, "on the revocation list");
  }
  revocation_set stale;
  stale.mark_synced(kNow - 100);
  o.claims.revoked = &stale;
  o.claims.revocation_max_staleness_seconds = 30;
  o.claims.revocation_fail_closed = true;
  expect_detail(verify_at(with_claims(marked()), o), status::revocation_unavailable,
                "the revocation list was last synced 100 s ago, over "
                "revocation_max_staleness_seconds (30); the policy fails closed");
  revocation_set never;
  never.mark_unsynced();
  o.claims.revoked = &never;
  expect_detail(verify_at(with_claims(marked()), o), status::revocation_unavailable,
                "the revocation list has never been synced");
}

TEST(Detail, OptionsAndClock) {
  verifier_options o = default_options();
  o.claims.leeway_seconds = std::numeric_limits<double>::quiet_NaN();
  expect_detail(verify_at(with_claims(marked()), o), status::options_invalid,
                "the verifier's options are invalid, so every token fails: leeway_seconds is nan; "
                "it must be a finite number of seconds in [0, 86400]");
  expect_detail(
      verify_at(with_claims(marked()), default_options(), -std::numeric_limits<double>::infinity()),
      status::clock_invalid, "the clock returned -inf, not a time in [0, 253402300799]");
}

// The detail outlives the verifier (the result holds the configuration it names) and follows the
// result from verifier to verifier.
TEST(Detail, NamesTheConfigurationOfTheVerifierThatFilledTheResult) {
  verify_result r;
  const std::string t = with_claims(R"({"aud":"api","iss":"ISSMARK","exp":1700000600})");
  {
    verifier_options a = default_options();
    a.claims.issuers = {"first"};
    verifier(asymmetric_set(), a).verify(t, r);
  }
  expect_detail({r.status(), r.detail()}, status::issuer_mismatch, "(allowed: \"first\")");
  verifier_options b = default_options();
  b.claims.issuers = {"second"};
  verifier(asymmetric_set(), b).verify(t, r);
  expect_detail({r.status(), r.detail()}, status::issuer_mismatch, "(allowed: \"second\")");
  verifier(asymmetric_set(), default_options()).verify("MARK", r);
  expect_detail({r.status(), r.detail()}, status::malformed, "1 segment");
}

}  // namespace
}  // namespace jwtx
